"""The sample regional adoption agency (`journey demo`, `make run`): generated data, not domain."""
