"""Load YAML files into validated pydantic models, with errors that name the file and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
# libyaml's safe loader when PyYAML was built with it (its wheels are): the same documents,
# parsed about 10x faster, which is most of start-up with thousands of examples in replies/.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(Exception):
    """A config or content file is invalid; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def describe_validation_error(path: Path | str, error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(file)"
        lines.append(f"{path}: {field}: {item['msg']}")
    return lines


def read_yaml(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=SAFE_LOADER)
    except FileNotFoundError as exc:
        raise ConfigError([f"{path}: file not found"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {exc}"]) from exc


def load_yaml_model(path: Path, model: type[Model]) -> Model:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping at the top level"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(path, exc)) from exc
