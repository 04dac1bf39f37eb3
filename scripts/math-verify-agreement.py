"""Math-Verify's agreement with the labels of scripts/grader-agreement.ts's set (--out), by source.

Run in a throwaway venv with Math-Verify installed (it is not a dependency of qreason):

    python3 -m venv /tmp/mv && /tmp/mv/bin/pip install "math-verify[antlr4_13_2]==0.9.0"
    node scripts/grader-agreement.ts --out /tmp/agreement.jsonl
    /tmp/mv/bin/python scripts/math-verify-agreement.py /tmp/agreement.jsonl

Each item is graded as Math-Verify's README shows: verify(parse("$gold$"), parse(output)). Math-Verify
has no notion of a truncated output, so finish_reason is not used.
"""
import collections
import json
import sys

from math_verify import parse, verify


def graded(gold: str, output: str) -> bool:
    try:
        return bool(verify(parse(f"${gold}$"), parse(output)))
    except Exception:  # noqa: BLE001 - a failure to parse or compare is "not correct", as Math-Verify reports it
        return False


def main(path: str) -> None:
    tallies = collections.defaultdict(lambda: [0, 0, 0, 0])  # agree, total, false positive, false negative
    for line in open(path, encoding="utf8"):
        item = json.loads(line)
        correct = graded(item["gold"], item["output"])
        for key in ("all", item["source"], f"{item['source']} / {item['category']}"):
            tally = tallies[key]
            tally[1] += 1
            if correct == item["label"]:
                tally[0] += 1
            elif item["label"]:
                tally[3] += 1
            else:
                tally[2] += 1
    print("Math-Verify vs labels (agree / total, false positives, false negatives)")
    for key in sorted(tallies):
        agree, total, false_positive, false_negative = tallies[key]
        print(f"{key:<52} {agree:>5} / {total:<5} {100 * agree / total:5.1f} %  FP {false_positive}  FN {false_negative}")


if __name__ == "__main__":
    main(sys.argv[1])
