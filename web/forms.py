"""The base of every form: Flask-WTF's, reading text fields only."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted


class Form(FlaskForm):
    """A Flask-WTF form that binds the request's text fields and nothing else.

    Flask-WTF also binds uploaded files and JSON bodies; no form here takes either, and a file or a
    JSON list where text is expected would reach the validators (and the session) as an object.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                return request.form if _is_submitted() and request.form else None
            return formdata
