"""Signing in and out. Signing in writes no event; a failed attempt is counted by
the service (5 per account and 20 per address in 15 minutes), and the page never
says which of the name or the password was wrong."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from journey.service import SignInLimited, SignInRefused
from web.access import PUBLIC, requires, safe_next, tracker

blueprint = Blueprint("signing_in", __name__, template_folder="templates")


@blueprint.route("/sign-in", methods=["GET", "POST"])
@requires(PUBLIC)
def sign_in():
    next_page = safe_next(request.values.get("next"))
    if g.get("user"):
        return redirect(next_page or url_for("home.home"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error = "Enter your user name and password"
        else:
            try:
                account = tracker().sign_in(username, password, address=request.remote_addr or "unknown")
            except SignInLimited as limited:
                error = limited.message
            except SignInRefused:
                error = "The user name or password is not right"
            else:
                session.clear()  # a new session: nothing of the one before signing in is kept
                session.permanent = True
                session["user"] = account["username"]
                session["credentials_version"] = account["credentials_version"]
                from journey.domain import clock

                session["seen"] = clock.now().isoformat(timespec="seconds")
                return redirect(next_page or url_for("home.home"))
    expired = g.get("session_expired") or request.args.get("expired") == "1"
    status = 200 if error is None else 400
    return render_template("signing_in/sign_in.html", title="Sign in", error=error, username=username,
                           next_page=next_page, expired=expired, changed=g.get("signed_out_by_change")), status


@blueprint.route("/sign-out", methods=["POST"])
@requires("signed_in")
def sign_out():
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("signing_in.sign_in"))
