"""Document-level translation over a line-based backend: segment, translate in batches, rejoin.

MT backends translate one line into one line and have input/output length limits (the seq2seq
backend reads at most 512 tokens and writes at most ``max_new_tokens``). Documents (web pages,
long instruction answers) are therefore split into segments the backend can hold: paragraphs
(newlines) first, then sentences, packed greedily up to ``max_chars``; a sentence longer than
that is split at spaces. Every segment of every document goes to the backend in one call (the
backend batches), and the translations are rejoined with the document's own separators
(a paragraph break stays a paragraph break). A text at most ``max_chars`` long on one line is
one segment, so short lines translate exactly as before.

Anything a backend still cut is counted (``Translator.truncated``) and reported, never silent.
"""

import re

_SENTENCE_END = re.compile(r"(?<=[.!?।؟。])\s+")


def _pack(pieces: list[str], max_chars: int) -> list[str]:
    """Join consecutive ``pieces`` with spaces into segments of at most ``max_chars``
    (a piece longer than that stays alone)."""
    segments, current = [], ""
    for piece in pieces:
        candidate = f"{current} {piece}" if current else piece
        if len(candidate) > max_chars and current:
            segments.append(current)
            current = piece
        else:
            current = candidate
    if current:
        segments.append(current)
    return segments


def _split_long(sentence: str, max_chars: int) -> list[str]:
    """A sentence longer than ``max_chars`` cut at spaces (at ``max_chars`` when it has none)."""
    words = []
    for word in sentence.split(" "):
        while len(word) > max_chars:  # one "word" longer than a segment (URLs, code)
            words.append(word[:max_chars])
            word = word[max_chars:]
        words.append(word)
    return _pack(words, max_chars)


def segment_line(line: str, max_chars: int) -> list[str]:
    """One line (paragraph) as segments of at most ``max_chars`` characters, sentence-packed."""
    line = line.strip()
    if len(line) <= max_chars:
        return [line]
    sentences = []
    for sentence in _SENTENCE_END.split(line):
        sentences.extend(_split_long(sentence, max_chars) if len(sentence) > max_chars
                         else [sentence])
    return _pack(sentences, max_chars)


def segment_document(text: str, max_chars: int) -> list[list[str]]:
    """Segments per line of ``text`` (empty lines give no segment and are kept on rejoin)."""
    return [segment_line(line, max_chars) if line.strip() else [] for line in text.split("\n")]


def translate_documents(texts: list[str], translate, max_chars: int = 400) -> list[str]:
    """Translate ``texts`` (multi-line documents) through a line-based ``translate``."""
    layouts = [segment_document(text, max_chars) for text in texts]
    segments = [segment for layout in layouts for line in layout for segment in line]
    results = list(translate(segments)) if segments else []
    if len(results) != len(segments):
        raise RuntimeError(f"translator returned {len(results)} lines for {len(segments)} segments")
    translated = iter(results)
    return ["\n".join(" ".join(next(translated) for _ in line) for line in layout)
            for layout in layouts]


def segment_stats(texts: list[str], max_chars: int) -> dict:
    """Documents, segments and documents that were split (for provenance)."""
    layouts = [segment_document(text, max_chars) for text in texts]
    counts = [sum(len(line) for line in layout) for layout in layouts]
    lines = [sum(1 for line in layout if line) for layout in layouts]
    return {
        "documents": len(texts),
        "segments": sum(counts),
        "documents_split": sum(1 for c, n in zip(counts, lines, strict=True) if c > n),
        "max_segment_chars": max_chars,
    }
