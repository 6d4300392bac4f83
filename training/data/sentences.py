"""Clean sentences (4-30 words, plain letters and punctuation) from public-domain prose, for synthetic voices.

Only sentences the TTS engines and the front end will read the same way are
kept: no digits, symbols, all-caps words or unbalanced leftovers, because the
engines speak the front end's normalized text and the phonemes must match it.
"""
import hashlib
import os
import re

from .splits import SHARED_DATA, sentence_is_heldout

TEXT_FILE = os.path.join(SHARED_DATA, "text", "gutenberg-mix.txt")
MIN_WORDS, MAX_WORDS = 4, 30
_ALLOWED = re.compile(r"^[A-Z][A-Za-z ,;:'!?.\-]*[.!?]$")
_INITIAL = re.compile(r"\b[A-Z]\.")  # "J. Winsor": a cut at the wrong full stop is likely
# Licence text and bibliography entries ("..., Vol.") are not prose anyone would speak.
_BOILERPLATE = re.compile(r"Gutenberg|eBook|e-mail|copyright|trademark|\b(Vols?|Chap|Fig|pp|cf)\.|\b[ei]\.[ge]\.",
                          re.IGNORECASE)
_SPLIT = re.compile(r"(?<![A-Z])(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bSt)([.!?])\s+(?=[A-Z])")


def split_sentences(paragraph: str) -> list:
    """Sentences of one paragraph (quotes and italics underscores removed, '--' as a comma)."""
    text = paragraph.replace('"', " ").replace("_", "")
    # "Treatment.--Limited areas..." is a run-in heading: the heading becomes its own (short) sentence.
    text = re.sub(r"([.!?])--", r"\1 ", text).replace("--", ", ")
    text = re.sub(r"\s+", " ", text).strip()
    parts = _SPLIT.split(text)
    # re.split keeps the captured terminator as its own item: glue it back on.
    return [(parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")).strip(" ,")
            for i in range(0, len(parts), 2)]


def is_clean(sentence: str) -> bool:
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or not _ALLOWED.match(sentence):
        return False
    if any(len(w.strip(",;:'!?.-")) > 1 and w.strip(",;:'!?.-").isupper() for w in words):
        return False  # headings, acronyms, roman numerals
    if _INITIAL.search(sentence) or _BOILERPLATE.search(sentence):
        return False
    return " - " not in sentence and ".." not in sentence and " '" not in sentence


def clean_sentences(path: str = TEXT_FILE) -> list:
    """Unique clean sentences in a fixed pseudo-random order (by hash, so stable on any machine)."""
    seen = set()
    with open(path, encoding="utf-8") as f:
        # Parts of the file are hard-wrapped: a paragraph is everything between blank lines.
        paragraphs = re.split(r"\n\s*\n", f.read())
    for paragraph in paragraphs:
        for s in split_sentences(paragraph):
            if is_clean(s):
                seen.add(s)
    return sorted(seen, key=lambda s: hashlib.sha1(s.encode()).hexdigest())


def sentence_pools(path: str = TEXT_FILE) -> tuple:
    """(train sentences, held-out sentences): held-out ones are read only by held-out voices."""
    sentences = clean_sentences(path)
    held = [s for s in sentences if sentence_is_heldout(s)]
    return [s for s in sentences if not sentence_is_heldout(s)], held
