"""Where the project's files live, resolved from this package so any working directory works."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The project's own spaCy pipeline, built at set-up (see assistant.language.pipeline).
# The directory name carries a version: Rasa fingerprints the pipeline by this path,
# so a change to the pipeline's build must bump it to retrain cleanly.
SPACY_PIPELINE_DIR = PROJECT_ROOT / "build" / "spacy" / "ketamine_en_v1"
