"""The emulator's two HTML pages: IMS's sign-in (a list of seeded users, no passwords) and its refusal.

Adobe's own sign-in page is not reproduced: this one only lets a person pick who signs in. It is plain
HTML (no script), in English, with a heading, a labelled group of buttons and a description of what
each user may do. Flask autoescapes templates rendered from strings, so no value can inject markup.
"""
from __future__ import annotations

from typing import Any

from flask import render_template_string
from werkzeug.wrappers import Response

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f5f5f5; color: #1d1d1d; }
main { max-width: 36rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 8px; }
h1 { font-size: 1.5rem; margin-top: 0; }
fieldset { border: 0; padding: 0; margin: 0; }
legend { font-weight: 600; margin-bottom: .5rem; }
ul { list-style: none; padding: 0; }
li { margin: .75rem 0; }
button { font: inherit; padding: .5rem 1rem; border-radius: 4px; border: 2px solid #1473e6; cursor: pointer; }
button.user { background: #1473e6; color: #fff; }
button.cancel { background: #fff; color: #1473e6; }
button:focus-visible { outline: 3px solid #0d66d0; outline-offset: 2px; }
.access { margin: .25rem 0 0; color: #4b4b4b; font-size: .9rem; }
code { word-break: break-all; }
.note { color: #4b4b4b; font-size: .9rem; }
"""

SIGN_IN = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – Adobe IMS emulator</title>
<style>{{ style }}</style>
</head>
<body>
<main>
<h1>Sign in</h1>
<p>The application <strong>{{ client_id }}</strong> asks you to sign in. Afterwards you return to
<code>{{ redirect_uri }}</code>.</p>
<p class="note">This is the local Adobe IMS emulator: pick a user, no password is asked.
Requested scopes: <code>{{ scope }}</code>.</p>
<form method="post" action="{{ action }}">
<input type="hidden" name="sign_in_nonce" value="{{ nonce }}">
<fieldset>
<legend>Choose who signs in</legend>
<ul>
{% for user in users %}
<li>
<button type="submit" class="user" name="user" value="{{ user.email }}" aria-describedby="user-{{ loop.index }}-access">Sign in as {{ user.name }}</button>
<p class="access" id="user-{{ loop.index }}-access">{{ user.email }}. Sandboxes: {{ user.sandboxes_text }}.
Permissions: {{ user.permissions_text }}.</p>
</li>
{% endfor %}
</ul>
</fieldset>
<p><button type="submit" class="cancel" name="cancel" value="1">Cancel</button></p>
</form>
</main>
</body>
</html>
"""

REFUSED = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in refused – Adobe IMS emulator</title>
<style>{{ style }}</style>
</head>
<body>
<main>
<h1>The sign-in request was refused</h1>
<p role="alert">{{ description }}</p>
<p class="note">Error: <code>{{ error }}</code>. Go back to the application and start the sign-in again.</p>
</main>
</body>
</html>
"""


def _no_store(response: Response, form_targets: str = "") -> Response:
    """Never cached, never framed, no script, no referrer for other sites; the form may post here only
    (and follow the redirect to the application: ``form-action`` also governs where a form's answer
    redirects). ``same-origin``, not ``no-referrer``: with the latter, Chromium sends ``Origin: null`` with
    the form, which the sign-in refuses as coming from elsewhere."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
        f"form-action 'self'{(' ' + form_targets) if form_targets else ''}")
    return response


def _access_text(user: dict[str, Any]) -> dict[str, Any]:
    sandboxes = user["sandboxes"]
    return {**user, "sandboxes_text": "every sandbox" if sandboxes == "*" else (", ".join(sandboxes) or "none"),
            "permissions_text": ", ".join(user["permissions"]) or "none"}


def sign_in_page(action: str, nonce: str, client_id: str, redirect_uri: str, scope: str,
                 users: list[dict[str, Any]], redirect_origin: str) -> Response:
    html = render_template_string(SIGN_IN, style=STYLE, action=action, nonce=nonce, client_id=client_id,
                                  redirect_uri=redirect_uri, scope=scope, users=[_access_text(u) for u in users])
    return _no_store(Response(html, 200, mimetype="text/html"), redirect_origin)


def refused_page(status: int, error: str, description: str) -> Response:
    html = render_template_string(REFUSED, style=STYLE, error=error, description=description)
    return _no_store(Response(html, status, mimetype="text/html"))
