"""The language every student-facing message is written in: Korean or English, through gettext.

Messages are written in English in the code, wrapped in ``_()``; the Korean catalog lives in
``nnlab/locale/ko/LC_MESSAGES/nnlab.po``.  The language comes from ``--lang`` where a script
has that flag (`set_language`), else from the usual locale variables (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG): ``LANG=ko_KR.UTF-8`` speaks Korean, anything else English.

Only the standard library is imported here, so that a message can be translated before numpy
or TensorFlow is known to be there.
"""

import gettext
import os

DOMAIN = "nnlab"
LOCALE_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")
LANGUAGES = ("en", "ko")

_translation = None


def language_from_environment():
    """'ko' when the locale variables ask for Korean, else 'en'."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "ko" if value.split(":")[0].lower().startswith("ko") else "en"
    return "en"


def set_language(language=None):
    """Speak `language` ('en' or 'ko'; None: from the environment) from now on."""
    global _translation
    language = language or language_from_environment()
    _translation = gettext.translation(DOMAIN, LOCALE_FOLDER, languages=[language], fallback=True)
    return language


def _(message):
    """`message` in the chosen language."""
    if _translation is None:
        set_language()
    return _translation.gettext(message)


def ngettext(singular, plural, count):
    """The singular or plural form of a message for `count`, in the chosen language."""
    if _translation is None:
        set_language()
    return _translation.ngettext(singular, plural, count)
