"""Base for the project's NLU components that learn nothing and act on each parsed message."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class RuleComponent(GraphComponent):
    """Built from its configuration alone; ``process`` edits the parsed messages."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleComponent:
        return cls(config)

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        self.config = {**self.get_default_config(), **(config or {})}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # nothing to learn

    def process(self, messages: List[Message]) -> List[Message]:
        raise NotImplementedError
