"""Property tests: composed handler modules, valid and mutated, never break the analysis."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restate_codegen.fuzzing import Module, check_invariants, modules, mutated, source

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=200, **_SETTINGS)  # type: ignore[arg-type]
@given(modules())
def test_composed_modules_are_understood(module: Module) -> None:
    result = check_invariants("Svc", [source(module.text)])
    assert result.component is not None, (module.text, result.diagnostics)
    handlers = result.component.handlers
    assert [(h.name, h.kind) for h in handlers] == [(e.name, e.kind) for e in module.handlers]
    for handler, expected in zip(handlers, module.handlers):
        assert (handler.request.source if handler.request else "") == expected.request
        assert handler.response.source == expected.response
        for ref in (handler.request, handler.response):
            names = ref.names if ref else ()
            assert list(names) == sorted(
                names, key=lambda n: (n.local, n.module, n.attribute or "")
            )
            assert all(n.local in ref.source for n in names) if ref else True


@settings(max_examples=900, **_SETTINGS)  # type: ignore[arg-type]
@given(st.data())
def test_mutated_modules_never_break_the_analysis(data: st.DataObject) -> None:
    module = data.draw(modules())
    text = data.draw(mutated(module.text))
    check_invariants("Svc", [source(text)])


@settings(max_examples=120, **_SETTINGS)  # type: ignore[arg-type]
@given(st.data())
def test_multi_module_targets(data: st.DataObject) -> None:
    texts = [data.draw(modules()).text for _ in range(data.draw(st.integers(1, 3)))]
    if data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(texts) - 1))
        texts[index] = data.draw(mutated(texts[index]))
    sources = [source(text, index) for index, text in enumerate(texts)]
    check_invariants("Svc", list(reversed(sources)))


@settings(max_examples=800, **_SETTINGS)  # type: ignore[arg-type]
@given(st.text(max_size=12), st.text(max_size=200))
def test_arbitrary_names_and_text(name: str, text: str) -> None:
    check_invariants(name, [source(text)])
