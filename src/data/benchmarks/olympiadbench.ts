/**
 * OlympiadBench, subset OE_TO_maths_en_COMP (675 text-only English competition problems). Answers are a
 * list of TeX strings with `$` delimiters, some holding several answers (`$69$,$84$`); the canonical
 * answer drops the delimiters (`69,84`) and `meta` keeps the list, `isMultipleAnswer`, `answerType` and
 * `unit` (and `tolerance`, the source's `error` field). Ids: `olympiadbench/test/<id>`.
 */
import { stripMathDelimiters } from "../answers.ts";
import { dataFiles } from "../sources.ts";
import type { Problem } from "../types.ts";
import { defineFileBenchmark, jsonlSplit, problemId } from "./define.ts";

export const olympiadBench = defineFileBenchmark({
  name: "olympiadbench",
  description: "OlympiadBench OE_TO_maths_en_COMP: 675 open-ended olympiad problems",
  defaultSplit: "test",
  splits: [
    jsonlSplit("test", dataFiles.olympiadbenchTest, 675, (record): Problem => {
      const sourceId = record.integer("id");
      const finalAnswer = record.stringList("final_answer");
      const answer = finalAnswer.map(stripMathDelimiters).join(", ");
      if (answer === "") record.fail("final_answer", "is only math delimiters");
      const [solution, ...alternativeSolutions] = record.stringList("solution");
      // `context` is a shared preamble for multi-part problems; null throughout this subset.
      const context = record.optionalString("context");
      const question = record.string("question");
      const unit = record.optionalString("unit");
      // `error` is OlympiadBench's numeric tolerance for the answer (e.g. "1e-1"), not an error message.
      const tolerance = record.optionalString("error");
      return {
        id: problemId("olympiadbench", "test", sourceId),
        benchmark: "olympiadbench",
        question: context ? `${context}\n\n${question}` : question,
        answer,
        solution,
        subject: record.string("subfield"),
        meta: {
          sourceId,
          finalAnswer,
          isMultipleAnswer: record.boolean("is_multiple_answer"),
          answerType: record.string("answer_type"),
          ...(unit === undefined ? {} : { unit }),
          ...(tolerance === undefined ? {} : { tolerance }),
          ...(alternativeSolutions.length > 0 ? { alternativeSolutions } : {}),
        },
      };
    }),
  ],
});
