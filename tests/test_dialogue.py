"""Every conversation path in tests/stories/ is followed exactly (`rasa test`)."""

import re

from tests.rasa_cli import run_rasa


def test_every_test_story_passes(model_path, tmp_path):
    result = run_rasa(
        "test",
        "core",
        "--stories",
        "tests/stories",
        "--model",
        str(model_path),
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
        "--no-plot",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    correct = re.search(r"CONVERSATION level:.*?Correct:\s+(\d+) / (\d+)", output, re.S)
    assert correct, output[-2000:]
    passed, total = map(int, correct.groups())
    assert total >= 20 and passed == total
