"""The language every student-facing message is written in: Korean or English, through gettext.

Messages are written in English in the code, wrapped in ``_()``; the Korean catalog lives in
``nnlab/locale/ko/LC_MESSAGES/nnlab.po``.  The language comes from ``--lang`` where a script
has that flag (`set_language`), else from the usual locale variables (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG): ``LANG=ko_KR.UTF-8`` speaks Korean, anything else English.

Only the standard library is imported here, so that a message can be translated before numpy
or TensorFlow is known to be there.

The compiled catalog ``nnlab.mo`` is committed beside ``nnlab.po``, not compiled when a script
starts: the one message a student meets with the wrong Python ("this Python lacks numpy") must
be Korean too, and that Python has nothing but the standard library (no Babel).
``tests/test_korean.py`` proves the .mo says exactly what the .po says.  After editing the
.po, compile it with Babel (a test requirement)::

    pybabel compile -d nnlab/locale -D nnlab

Messages are marked ``_("...")`` (``N_("...")`` where the text is kept and translated later,
``ngettext`` for counts), with named placeholders filled by ``.format`` after translation,
never f-strings inside ``_()``: the translator sees the whole sentence and moves the
placeholders as Korean word order needs.

The grader's stages follow the same language: the trusted stage inherits it (``LANGUAGE``
in its environment, set by `environment_for_child`); the student stage runs beside a
submission without the suite, so its few messages are sent back as (message, values) and
translated by the grader when it reads them (`translated`).
"""

import gettext
import os
import string
import sys

DOMAIN = "nnlab"
LOCALE_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")
LANGUAGES = ("en", "ko")

_translation = None
_language = "en"


def language_from_environment():
    """'ko' when the locale variables ask for Korean, else 'en'."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "ko" if value.split(":")[0].lower().startswith("ko") else "en"
    return "en"


def language_from_arguments(arguments):
    """The language a script's `--lang ko` (or `--lang=ko`) asks for, or None: read before
    the flags are parsed, so that the help texts made before parsing are in it too."""
    for index, argument in enumerate(arguments):
        value = argument[len("--lang="):] if argument.startswith("--lang=") else \
            (arguments[index + 1] if argument == "--lang" and index + 1 < len(arguments) else None)
        if value in LANGUAGES:
            return value
    return None


def set_language(language=None):
    """Speak `language` ('en' or 'ko'; None: as the command line's --lang, else the
    environment, says) from now on."""
    global _translation, _language
    language = language or language_from_arguments(sys.argv[1:]) or language_from_environment()
    _translation = gettext.translation(DOMAIN, LOCALE_FOLDER, languages=[language], fallback=True)
    _language = language
    return language


def current_language():
    """'ko' or 'en': the language messages are said in now."""
    if _translation is None:
        set_language()
    return _language


def environment_for_child():
    """The locale variables a child process needs to speak the same language."""
    return {"LANGUAGE": current_language()}


def N_(message):
    """Marks `message` for translation where it is kept as English and translated later."""
    return message


def translated(message, values):
    """`message` (English, with named placeholders) translated and filled with `values`, or
    None where they do not fit: what a child process sends back as (message, values), which
    says no more than the child's own English text could."""
    if not isinstance(values, dict):
        return None
    try:
        translation = _(message)
        fields = [(field, spec, conversion) for _text, field, spec, conversion in
                  string.Formatter().parse(translation) if field is not None]
        if not all(field.isidentifier() and not spec and not conversion
                   for field, spec, conversion in fields):
            return None  # "{name.__class__}", "{0[1]}", "{name:>999999999}": plain names only
        return translation.format(**{str(key): str(value) for key, value in values.items()})
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return None


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
