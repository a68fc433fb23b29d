"""Boolean monitoring queries: parse, print back, evaluate, and say why a clause failed.

Grammar (keywords are upper case; lower-case `and`/`or`/`not`/`near` are ordinary words):

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary | "NOT" unary)*      # juxtaposition is AND; "a NOT b" = a AND NOT b
    unary    := "NOT" unary | near
    near     := primary ("NEAR/" N primary)?              # operands: term, phrase or (x OR y ...) of those
    primary  := WORD | '"' words '"' | "(" or_expr ")"

Terms match whole words, case-insensitively, except short all-caps terms such as NIO or BYD, which
match case-sensitively (so "Nio" in running text does not count). `a NEAR/5 b` holds when at most
5 words stand between a hit of `a` and a hit of `b`, in either order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from mediawatch.monitor import prefilter

KEYWORDS = frozenset({"AND", "OR", "NOT"})
_NEAR_RE = re.compile(r"NEAR/(\d+)$")
_WORD_RE = re.compile(r"\w+")
# characters that end a bare word in the query syntax
_SPECIAL = set('()"')
MAX_NEAR = 1000


class QueryError(ValueError):
    """A query that cannot be parsed; `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.reason = message
        self.query = query
        self.position = max(0, min(position, len(query)))
        super().__init__(
            f"{message} at character {self.position + 1}\n{caret_lines(query, self.position)}"
        )


def caret_lines(query: str, position: int) -> str:
    """The query on one line and a caret under `position` (newlines/tabs shown as spaces)."""
    flat = query.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return f"  {flat}\n  {' ' * position}^"


# --- AST -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase; `words` are the phrase's words in order."""

    words: tuple[str, ...]

    def to_query(self) -> str:
        if len(self.words) == 1 and _is_bare_word(self.words[0]):
            return self.words[0]
        return '"' + " ".join(self.words) + '"'


@dataclass(frozen=True)
class Not:
    child: Node

    def to_query(self) -> str:
        return "NOT " + _wrap(self.child, (Term, Not, Near))


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]

    def to_query(self) -> str:
        return " AND ".join(_wrap(c, (Term, Not, Near)) for c in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]

    def to_query(self) -> str:
        return " OR ".join(_wrap(c, (Term, Not, Near, And)) for c in self.children)


@dataclass(frozen=True)
class Near:
    left: Node  # Term or Or of Terms
    right: Node
    distance: int

    def to_query(self) -> str:
        return f"{_wrap(self.left, (Term,))} NEAR/{self.distance} {_wrap(self.right, (Term,))}"


Node = Term | Not | And | Or | Near


def _wrap(node: Node, bare_types: tuple[type, ...]) -> str:
    # a child prints without parentheses only where the parser would rebuild the same tree
    text = node.to_query()
    return text if isinstance(node, bare_types) else f"({text})"


def _is_bare_word(word: str) -> bool:
    return (
        bool(word)
        and word not in KEYWORDS
        and word != "NEAR"
        and not word.startswith("NEAR/")
        and not any(ch in _SPECIAL or ch.isspace() for ch in word)
    )


def is_case_sensitive_default(text: str) -> bool:
    """Short all-caps names (NIO, BYD, BAIC) are acronyms: matching them loosely hits ordinary words."""
    letters = [ch for ch in text if ch.isalpha()]
    return 0 < len(letters) <= 5 and all(ch.isupper() for ch in letters) and text.isascii()


# --- parser ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # WORD PHRASE AND OR NOT NEAR LPAREN RPAREN END
    value: str
    pos: int
    distance: int = 0


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(_Token("LPAREN", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(_Token("RPAREN", ch, i))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError("unclosed quote", query, i)
            words = query[i + 1 : end].split()
            if not words:
                raise QueryError("empty quoted phrase", query, i)
            tokens.append(_Token("PHRASE", " ".join(words), i))
            i = end + 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in _SPECIAL:
                i += 1
            word = query[start:i]
            near = _NEAR_RE.match(word)
            if word in KEYWORDS:
                tokens.append(_Token(word, word, start))
            elif near:
                digits = near.group(1)
                # the length check first: int() refuses strings of over 4300 digits
                if len(digits) > len(str(MAX_NEAR)) or int(digits) > MAX_NEAR:
                    raise QueryError(f"NEAR distance above {MAX_NEAR}", query, start)
                tokens.append(_Token("NEAR", word, start, int(digits)))
            elif word.startswith("NEAR/") or word == "NEAR":
                raise QueryError("NEAR needs a word distance, as in NEAR/5", query, start)
            else:
                tokens.append(_Token("WORD", word, start))
    tokens.append(_Token("END", "", n))
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> QueryError:
        return QueryError(message, self.query, (token or self.peek()).pos)

    def parse(self) -> Node:
        if self.peek().kind == "END":
            raise self.fail("empty query")
        node = self.or_expr()
        token = self.peek()
        if token.kind == "RPAREN":
            raise self.fail("unmatched closing parenthesis")
        if token.kind != "END":
            raise self.fail(f"unexpected {token.value!r}")
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.peek().kind == "OR":
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.unary()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
                children.append(self.unary())
            elif kind == "NOT":
                self.take()
                children.append(Not(self.unary()))
            elif kind in ("WORD", "PHRASE", "LPAREN"):
                children.append(self.unary())  # implicit AND
            else:
                break
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        if self.peek().kind == "NOT":
            self.take()
            return Not(self.unary())
        return self.near()

    def near(self) -> Node:
        left_token = self.peek()
        left = self.primary()
        if self.peek().kind != "NEAR":
            return left
        op = self.take()
        right_token = self.peek()
        right = self.primary()
        for node, token in ((left, left_token), (right, right_token)):
            if not _positional(node):
                raise self.fail(
                    "NEAR operands must be words, phrases or (x OR y) groups of them", token
                )
        if self.peek().kind == "NEAR":
            raise self.fail("NEAR cannot be chained; combine with AND instead")
        return Near(left, right, op.distance)

    def primary(self) -> Node:
        token = self.peek()
        if token.kind in ("WORD", "PHRASE"):
            self.take()
            return Term(tuple(token.value.split()))
        if token.kind == "LPAREN":
            self.take()
            self.depth += 1
            if self.depth > 50:
                raise self.fail("parentheses nested too deeply", token)
            if self.peek().kind == "RPAREN":
                raise self.fail("empty parentheses")
            node = self.or_expr()
            if self.peek().kind != "RPAREN":
                raise self.fail("missing closing parenthesis for the one opened", token)
            self.take()
            self.depth -= 1
            return node
        if token.kind == "END":
            raise self.fail("query ends where a word, phrase or '(' was expected")
        raise self.fail(f"expected a word, phrase or '(' but found {token.value!r}")


def _positional(node: Node) -> bool:
    if isinstance(node, Term):
        return True
    return isinstance(node, Or) and all(_positional(c) for c in node.children)


def parse_query(query: str) -> Node:
    """Parse a query into its AST; raises QueryError (with position) and nothing else."""
    if not isinstance(query, str):
        raise QueryError("query must be a string", str(query), 0)
    try:
        return _Parser(query).parse()
    except QueryError:
        raise
    except RecursionError:  # deep NOT NOT NOT ... chains
        raise QueryError("query nested too deeply", query, 0) from None


def to_query(node: Node) -> str:
    """Print an AST back as query text; `parse_query(to_query(ast)) == ast`."""
    return node.to_query()


def terms(node: Node) -> Iterator[Term]:
    """Every Term in the tree, depth first."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from terms(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from terms(child)
    elif isinstance(node, Near):
        yield from terms(node.left)
        yield from terms(node.right)


# --- evaluation ------------------------------------------------------------------------------


def term_pattern(words: tuple[str, ...], case_sensitive: bool) -> re.Pattern[str]:
    """Whole-word regex for a phrase; any run of whitespace may separate its words."""
    body = r"\s+".join(re.escape(w) for w in words)
    left = r"(?<!\w)" if _needs_boundary(words[0][0]) else ""
    right = r"(?!\w)" if _needs_boundary(words[-1][-1]) else ""
    return re.compile(left + body + right, 0 if case_sensitive else re.IGNORECASE)


def _needs_boundary(ch: str) -> bool:
    # CJK scripts write words without spaces, so 小米 inside 小米汽车 must still match
    return not (
        "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"
    )


@dataclass(frozen=True)
class Hit:
    """One occurrence of a term in the evaluated text: char span and word index span."""

    start: int
    end: int
    first_word: int
    last_word: int
    text: str


class CompiledQuery:
    """A parsed query with one compiled regex per distinct term, built once and reused."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.ast = parse_query(source)
        self._patterns: dict[Term, re.Pattern[str]] = {}
        # what must be in the text (case-sensitive) or in its lower-cased form for a term to match:
        # `in` scans in C, the regex runs its matcher at every character (see monitor.prefilter)
        self._needles: dict[Term, tuple[str, bool] | None] = {}
        for term in terms(self.ast):
            if term not in self._patterns:
                sensitive = is_case_sensitive_default(" ".join(term.words))
                self._patterns[term] = term_pattern(term.words, sensitive)
                first = term.words[0] if sensitive else prefilter.needle(term.words[0])
                self._needles[term] = (first, sensitive) if first else None

    def evaluate(self, text: str) -> bool:
        """True when the query matches `text`."""
        return _Evaluation(self, text).matched(self.ast)

    def trace(self, text: str) -> dict[str, object]:
        """Per-clause results, plus `failed`: why the query did not match (empty when it did)."""
        ev = _Evaluation(self, text)
        matched = ev.matched(self.ast)
        return {
            "matched": matched,
            "clauses": ev.describe(self.ast),
            "failed": [] if matched else ev.blame(self.ast),
        }


class _Evaluation:
    """Evaluates one query on one text, caching term hits so explain and match agree."""

    def __init__(self, query: CompiledQuery, text: str) -> None:
        self.query = query
        self.text = text
        self._hits: dict[Term, list[Hit]] = {}
        self._word_starts: list[int] | None = None
        self._lowered: str | None | bool = False  # False: not computed yet

    def may_match(self, term: Term) -> bool:
        """False when `term` cannot occur in the text: its first word is not there."""
        return self.first_at(term) is not None

    def first_at(self, term: Term) -> int | None:
        """Where the search for `term` may start: the first place its first word occurs (the
        term cannot match before it, see monitor.prefilter), 0 when that is not known, None when
        the term cannot occur. A term's pattern opens with a lookbehind, which makes `re` try every
        position; starting at the first word's first occurrence (found by `str.find`, in C) skips
        the text before it. Lookbehinds still see the characters before the start."""
        needle = self.query._needles.get(term)
        if needle is None:
            return 0
        word, sensitive = needle
        if sensitive:
            at = self.text.find(word)
            return at if at >= 0 else None
        if self._lowered is False:
            self._lowered = prefilter.lowered(self.text)
        if self._lowered is None:
            return 0
        at = self._lowered.find(word)  # type: ignore[union-attr]
        return at if at >= 0 else None

    def word_index(self, offset: int) -> int:
        if self._word_starts is None:
            self._word_starts = [m.start() for m in _WORD_RE.finditer(self.text)]
        return max(0, bisect.bisect_right(self._word_starts, offset) - 1)

    def hits(self, node: Node) -> list[Hit]:
        """Occurrences of a Term, or of any Term of an Or group, in text order."""
        if isinstance(node, Or):
            return sorted((h for c in node.children for h in self.hits(c)), key=_hit_key)
        assert isinstance(node, Term)
        if node not in self._hits:
            pattern = self.query._patterns[node]
            start = self.first_at(node)
            self._hits[node] = [] if start is None else [
                Hit(
                    m.start(),
                    m.end(),
                    self.word_index(m.start()),
                    self.word_index(m.end() - 1),
                    m.group(),
                )
                for m in pattern.finditer(self.text, start)
            ]
        return self._hits[node]

    def matched(self, node: Node) -> bool:
        if isinstance(node, Term):
            if node in self._hits:
                return bool(self._hits[node])
            # a yes/no needs one search, not every hit with its word offsets (those are for NEAR)
            start = self.first_at(node)
            if start is None:
                return False
            return self.query._patterns[node].search(self.text, start) is not None
        if isinstance(node, Not):
            return not self.matched(node.child)
        if isinstance(node, And):
            return all(self.matched(c) for c in node.children)
        if isinstance(node, Or):
            return any(self.matched(c) for c in node.children)
        return self.near_pair(node) is not None

    def near_pair(self, node: Near) -> tuple[Hit, Hit] | None:
        """The first pair of non-overlapping hits at most `distance` words apart, if any."""
        for a in self.hits(node.left):
            for b in self.hits(node.right):
                if a.end <= b.start:
                    gap = b.first_word - a.last_word - 1
                elif b.end <= a.start:
                    gap = a.first_word - b.last_word - 1
                else:
                    continue
                if gap <= node.distance:
                    return a, b
        return None

    def describe(self, node: Node) -> dict[str, object]:
        """The clause tree with each clause's result and, for terms, where they were found."""
        out: dict[str, object] = {"clause": node.to_query(), "matched": self.matched(node)}
        if isinstance(node, Term):
            out["hits"] = [_hit_dict(h) for h in self.hits(node)[:5]]
        elif isinstance(node, Not):
            out["children"] = [self.describe(node.child)]
        elif isinstance(node, And | Or):
            out["children"] = [self.describe(c) for c in node.children]
        else:
            pair = self.near_pair(node)
            out["children"] = [self.describe(node.left), self.describe(node.right)]
            if pair:
                out["hits"] = [_hit_dict(h) for h in pair]
        return out

    def blame(self, node: Node) -> list[str]:
        """Human-readable reasons why a clause that did not match failed."""
        if self.matched(node):
            return []
        if isinstance(node, Term):
            return [f"{node.to_query()} not found"]
        if isinstance(node, Or):
            return [f"none of {node.to_query()} found"]
        if isinstance(node, And):
            return [reason for c in node.children for reason in self.blame(c)]
        if isinstance(node, Not):
            found = [h for t in terms(node.child) for h in self.hits(t)]
            where = f': found "{found[0].text}" at character {found[0].start}' if found else ""
            return [f"vetoed by NOT {_wrap(node.child, (Term,))}{where}"]
        missing = self.blame(node.left) + self.blame(node.right)
        if missing:
            return missing
        return [
            f"{_wrap(node.left, (Term,))} and {_wrap(node.right, (Term,))} "
            f"found but not within {node.distance} words"
        ]


def _hit_key(hit: Hit) -> tuple[int, int]:
    return hit.start, hit.end


def _hit_dict(hit: Hit) -> dict[str, object]:
    return {"text": hit.text, "start": hit.start, "end": hit.end}
