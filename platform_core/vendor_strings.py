"""Words Django and django-allauth show residents that their own catalogues do
not translate into Welsh (allauth ships no Welsh; Django's Welsh lacks a few).

Listed here, never called, so `make makemessages` puts these exact msgids in
our catalogue (locale/cy), which Django reads before theirs. The completeness
test (tests/test_welsh_complete.py) names any such string a page looks up
without a Welsh translation; add it here and translate it.
"""

from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

VENDOR_STRINGS = [
    # django-allauth: the sign-in form and its errors.
    gettext_noop("Remember Me"),
    gettext_noop("Forgot your password?"),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("You must type the same password each time."),
    gettext_noop("A user is already registered with this email address."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Be patient, you are sending too many requests."),
    gettext_noop("Password (again)"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
    # Django's password validators.
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "This password is too short. It must contain at least %(min_length)d character.",
        "This password is too short. It must contain at least %(min_length)d characters.",
        "min_length",
    ),
    # Django's truncatechars (a notification's subject line).
    pgettext_lazy("String to return when truncating text", "%(truncated_text)s…"),
]
