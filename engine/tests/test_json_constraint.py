"""Constrained JSON: the prefix matcher accepts exactly the prefixes of documents valid for the schema, and
constrained decoding on a tiny random model (which left alone writes no JSON at all) yields valid documents."""

import json

import pytest

from qreason_engine.errors import EngineError
from qreason_engine.generate import BatchGenerator, GenerationRequest, SamplingParams
from qreason_engine.json_constraint import JsonConstraint

VERDICT = {"type": "object", "additionalProperties": False, "required": ["step", "category", "ok"],
           "properties": {"step": {"type": "integer"}, "category": {"enum": ["execution", "method", None]},
                          "ok": {"type": "boolean"}, "note": {"type": "string", "maxLength": 5},
                          "scores": {"type": "array", "items": {"type": "number"}, "maxItems": 2}}}


@pytest.mark.parametrize("document", [
    '{"step":3,"category":"execution","ok":true}',
    '{ "ok": false, "category": null, "step": -12, "note": "a\\"b", "scores": [1.5, -2e3] }',
    '{"step":0,"category":"method","ok":true,"scores":[]}',
    '{\n  "step": 1,\n  "category": "method",\n  "ok": false\n}',
])
def test_every_prefix_of_a_valid_document_is_viable_and_the_whole_is_complete(document):
    constraint = JsonConstraint(VERDICT)
    for end in range(len(document)):
        assert constraint.state(document[:end]).viable, document[:end]
    final = constraint.state(document)
    assert final.complete and not final.extendable


@pytest.mark.parametrize("text", [
    '[', '{"step":3,"step"', '{"stap"', '{"step":"3"', '{"step":3,"category":"other"', '{"ok":tru,',
    '{"note":"abcdef"', '{"scores":[1,2,3]', '{"step":3}', '{"step":01', '{  "step"', 'x',
])
def test_text_no_valid_document_starts_with_is_refused(text):
    constraint = JsonConstraint(VERDICT)
    state = constraint.state(text)
    assert not state.viable or (text == '{"step":3}' and not state.complete)
    assert not JsonConstraint(VERDICT).state('{"step":3}').complete  # required properties missing


def test_numbers_stay_extendable_and_partial_characters_only_fit_strings():
    number = JsonConstraint({"type": "number"})
    assert number.state("12").complete and number.state("12").extendable
    assert number.state("12.").viable and not number.state("12.").complete
    text = JsonConstraint({"type": "string"})
    assert text.state('"caf\ufffd').viable  # a character whose bytes are still being generated
    assert not JsonConstraint({"type": "integer"}).state("1\ufffd").viable


@pytest.mark.parametrize("schema, field", [
    ({"$ref": "#/x"}, "response_format.json_schema.schema.$ref"),
    ({"type": "object", "properties": {"a": {"allOf": []}}}, "response_format.json_schema.schema.properties.a.allOf"),
    ({"type": "strange"}, "response_format.json_schema.schema.type"),
    ({"type": "object", "properties": {}, "required": ["a"]}, "response_format.json_schema.schema.required"),
])
def test_unsupported_schemas_are_refused_naming_the_keyword(schema, field):
    with pytest.raises(EngineError) as info:
        JsonConstraint(schema)
    assert info.value.code == "E_INPUT" and info.value.field == field


def test_bounds_it_cannot_enforce_are_listed():
    constraint = JsonConstraint({"type": "object", "properties": {"c": {"type": "number", "minimum": 0}}})
    assert constraint.unenforced == ["response_format.json_schema.schema.properties.c.minimum"]


@pytest.mark.parametrize("temperature, seed", [(0.0, 0), (1.0, 5), (1.0, 6)])
def test_constrained_decoding_on_a_random_model_writes_valid_json(loaded, temperature, seed):
    model = loaded("llama")
    generator = BatchGenerator(model.model, model.tokenizer)
    schema = {"type": "object", "additionalProperties": False, "required": ["answer", "sure"],
              "properties": {"answer": {"enum": ["yes", "no"]}, "sure": {"type": "boolean"}}}
    request = GenerationRequest(prompt="Question: is 3 + 4 = 7?", response_format=JsonConstraint(schema),
                                params=SamplingParams(max_tokens=200, temperature=temperature, seed=seed))
    free = generator.generate([GenerationRequest(prompt=request.prompt, params=request.params)])[0].completions[0]
    completion = generator.generate([request])[0].completions[0]
    assert completion.finish_reason == "stop", completion.text
    value = json.loads(completion.text)
    assert set(value) == {"answer", "sure"} and value["answer"] in ("yes", "no") and isinstance(value["sure"], bool)
    with pytest.raises(json.JSONDecodeError):
        json.loads(free.text)  # the same model unconstrained: not JSON (the constraint did the work)
