"""infra/model/references.py: the indexed `resolve` answers exactly what the plain linear scan answers."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.model.recorded import RecordedResource
from infra.model.references import ReferenceIndex, reference_keys, resolve


def naive_resolve(ref, candidates, *, sibling_of=None):
    """The original O(n) scan per reference: the specification the index must match."""
    pool = list(candidates)
    if isinstance(ref, str) and ref:
        tail = ref.rsplit("/", 1)[-1]
        for cand in pool:
            keys = reference_keys(cand)
            if ref in keys or tail in keys:
                return cand
    if sibling_of is not None and sibling_of.parent:
        siblings = [c for c in pool if c.parent == sibling_of.parent]
        if len(siblings) == 1:
            return siblings[0]
    return None


NAMES = st.sampled_from(["a", "b", "web-scale-out", "x/y", "p", "arn:aws:x:policyName/a"])
resources = st.builds(
    lambda name, props, parent: RecordedResource("t:m:R", name, props, parent=parent),
    NAMES, st.dictionaries(st.sampled_from(["id", "arn", "name", "other"]), st.one_of(NAMES, st.just(""), st.none())),
    st.sampled_from([None, "p1", "p2"]))
refs = st.one_of(st.none(), st.just(""), NAMES, NAMES.map(lambda n: f"{n}_id"),
                 NAMES.map(lambda n: f"arn:aws:autoscaling:us-east-1:1:policyName/{n}"))


@settings(max_examples=200, deadline=None)
@given(st.lists(resources, max_size=8), st.lists(refs, min_size=1, max_size=6), st.one_of(st.none(), resources))
def test_indexed_resolve_equals_linear_scan(pool, references, sibling):
    for ref in references:  # many references against one list: the cached index is reused
        assert resolve(ref, pool, sibling_of=sibling) is naive_resolve(ref, pool, sibling_of=sibling)
        assert resolve(ref, iter(pool), sibling_of=sibling) is naive_resolve(ref, pool, sibling_of=sibling)


def test_first_candidate_in_order_wins_between_ref_and_tail():
    first = RecordedResource("t", "tail", {})
    second = RecordedResource("t", "x/tail", {})
    # `x/tail` names `second` exactly, but `first` (earlier) matches its tail: the earlier one wins.
    assert resolve("x/tail", [first, second]) is first
    assert resolve("x/tail", [second, first]) is second
    assert ReferenceIndex([first, second]).find("nothing") is None
