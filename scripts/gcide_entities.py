"""GCIDE's character entities as the dictd database writes them, and the
Unicode they stand for.

GCIDE's sources write special characters as SGML-like entities (`<amac/`,
`<ocr/`, `<ae/`, ...; the list and their meanings are GCIDE's
`webfont.asc`); the dictd conversion that Debian's dict-gcide ships turns
each into a short bracketed form: `[=o]` o with macron, `[o^]` o with breve,
`[add]` a with two dots below, `[ae]` the ligature, `[root]` the root sign.
This table maps every bracketed form that occurs in the database to its
character, following webfont.asc and the pronunciation key of Webster's
1913 dictionary (whose marks the entities encode):

  [=x]  macron (long vowel: ā ē ī ō ū ȳ; [imac] ī)      [x^]  breve (short: ă ĕ ĭ ŏ ŭ y̆)
  [-x]  semi-long vowel (ēvent, ōbey, ūnite), which Webster marks with a
        macron crossed by a short stroke; Unicode has no such letter, so it
        is written with the macron, as later Webster editions do ([asl]: ā)
  [^x]  circumflex   ['x] acute   [`x] grave   ["x] diaeresis ([aum] ä)
  [~x]  tilde ([~e] ẽ as in "her")
  [.x]  dot above for a and u (Webster's ȧsk, u̇ in "full"); dot below for
        the consonants of Sanskrit and Arabic transliteration (ṛ ṭ ṇ ḥ ṃ ẓ ...)
  [*x]  ring above (Swedish å)      [,c]  ç
  [add] a̤ ("all")   [udd] ṳ ("rude")   [=oo] o͞o ("food")   [oo^] o͝o ("foot")
  [th]  t͟h (the voiced th of "then")   [ng]  ṉ (the n of "ink", "finger")
  Greek letters by name ([alpha] α, [Delta] Δ, [sigmat] final ς), ligatures
  ([ae] æ, [oe] œ, [filig] ﬁ), signs ([root] √, [deg] °, [min] ′, [sec] ″,
  [sect] §, [para] ¶, [dag] †, [hand] ☞, [flat] ♭, [sharp] ♯, [times] ×,
  [divby] ÷, [pounds] £, [rarr] →, ...), and typographic marks.

Bracketed punctuation ("a mark [-]", "the comma [,]") shows the character
itself and becomes that character. Everything else in brackets is not an
entity (etymologies, sources, usage labels) and is left to the caller."""
import re

_VOWELS = "aeiouyAEIOUY"
# Combining marks: macron, breve, circumflex, acute, grave, diaeresis, tilde,
# dot above, dot below, ring above, cedilla.
_MARKS = {"=": "\u0304", "^": "\u0306", "'": "\u0301", "`": "\u0300", '"': "\u0308", "~": "\u0303",
          "*": "\u030a", ",": "\u0327"}

GREEK = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
         "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"]

NAMED = {
    "imac": "\u012b", "aum": "\u00e4", "asl": "\u0101", "add": "a\u0324", "udd": "\u1e73",
    "=oo": "o\u035eo", "oo^": "o\u035do", "th": "t\u035fh", "ng": "\u1e49",
    "ae": "\u00e6", "AE": "\u00c6", "oe": "\u0153", "OE": "\u0152", "=ae": "\u01e3",
    "eth": "\u00f0", "thorn": "\u00fe", "yogh": "\u021d", "schwa": "\u0259",
    "filig": "\ufb01", "fllig": "\ufb02", "fflig": "\ufb00", "ffilig": "\ufb03", "ffllig": "\ufb04",
    "sigmat": "\u03c2", "digamma": "\u03dd", "asper": "\u02bd", "lenis": "\u02bc",
    "dsdot": "\u1e0d", "lsdot": "\u1e37", "tsdo": "\u1e6d", "zdot": "\u017c", "mdot": "\u1e41",
    "cacute": "\u0107", "ccaron": "\u010d", "mtil": "m\u0303", "~l": "l\u0303", "ncir": "n\u0302",
    "root": "\u221a", "cuberoot": "\u221b", "deg": "\u00b0", "min": "\u2032", "sec": "\u2033",
    "bprime": "\u2033", "sect": "\u00a7", "para": "\u00b6", "dag": "\u2020", "dagger": "\u2020",
    "ddag": "\u2021", "hand": "\u261e", "flat": "\u266d", "sharp": "\u266f", "natural": "\u266e",
    "times": "\u00d7", "divby": "\u00f7", "div": "\u00f7", "middot": "\u00b7", "pounds": "\u00a3",
    "cent": "\u00a2", "rarr": "\u2192", "larr": "\u2190", "nabla": "\u2207", "ounceap": "\u2125",
    "ldqo": "\u201c", "rdqo": "\u201d", "lsquo": "\u2018", "rsquo": "\u2019", "nbsp": " ",
    "asterism": "\u2042", "upslur": "\u2322", "downslur": "\u2323", "libra": "\u264e",
    "scorpio": "\u264f", "pisces": "\u2653", "taurus": "\u2649", "mercury": "\u263f",
    "frac19": "\u2151", "frac37": "3/7", "frac43": "4/3", "frac67": "6/7",
    "colret": " ", "break": " ", "bar": "|", "lbrace2": "{", "rbrace2": "}",
    # Punctuation in brackets shows the character itself.
    "-": "-", "--": "\u2014", "'": "'", ".": ".", ",": ",", ":": ":", ";": ";", "!": "!", "+": "+", "()": "()",
    "^": "^",
}
for i, name in enumerate(GREEK):
    NAMED[name] = chr(0x03b1 + i + (1 if i >= 17 else 0))  # lower case skips U+03C2, the final sigma
    NAMED[name.capitalize()] = chr(0x0391 + i + (1 if i >= 17 else 0))  # no capital at U+03A2
NAMED["Chi"], NAMED["Pi"] = "\u03a7", "\u03a0"
for mark, combining in _MARKS.items():
    for v in _VOWELS + ("c" if mark == "," else ""):
        NAMED[f"{mark}{v}"] = v + combining
for v in _VOWELS:
    NAMED[f"{v}^"] = v + "\u0306"            # breve
    NAMED[f"-{v}"] = v + "\u0304"            # semi-long, written long
    NAMED[f"^{v}"] = v + "\u0302"            # circumflex
NAMED["~n"] = "n\u0303"
NAMED["=O"] = "O\u0304"
for c in "au":
    NAMED[f".{c}"] = c + "\u0307"            # dot above
for c in "rtnhmzsdlkcg":
    NAMED[f".{c}"] = c + "\u0323"            # dot below

_ENTITY = re.compile(r"\[(" + "|".join(re.escape(k) for k in sorted(NAMED, key=len, reverse=True)) + r")\]")


def to_unicode(text):
    """Replaces every entity of the table by its character, in NFC (so ō is
    one code point where Unicode has one)."""
    import unicodedata
    return unicodedata.normalize("NFC", _ENTITY.sub(lambda m: NAMED[m.group(1)], text))
