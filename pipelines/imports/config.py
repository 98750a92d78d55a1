"""Typed Dagster config of the import and rollback jobs, derived from the one options model
(`schemas.options`): the Launchpad autocompletes every option, shows its default and
description, offers the strategies, modes and actions as choices, and refuses a misspelt
option before any op runs. Values are checked again by `parse_options` when the run starts
(ranges, regions, fields of the module)."""

from __future__ import annotations

import enum
import tempfile
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import dagster as dg
from pydantic import BaseModel, Field, create_model

from pipelines.errors import InputRejected
from pipelines.names import check_file_name, check_org, split_partition_key
from resources.storage import Storage
from schemas.options import (
    Action,
    ColumnMapping,
    DuplicateStrategy,
    ImportOptions,
    InvalidValues,
    MergeMode,
)

_ENUMS: dict[tuple[str, ...], type[enum.Enum]] = {
    get_args(choices): enum.Enum(name, {v: v for v in get_args(choices)}, type=str)  # type: ignore[misc]
    for name, choices in (
        ("MergeMode", MergeMode),
        ("DuplicateStrategy", DuplicateStrategy),
        ("Action", Action),
        ("InvalidValues", InvalidValues),
    )
}


def _choices(annotation: Any) -> Any:
    """Dagster config has no Literal: `Literal["a", "b"]` (optional or not) becomes an Enum,
    which the Launchpad offers as a choice."""
    if get_origin(annotation) is Literal:
        values = get_args(annotation)
        if values not in _ENUMS:
            name = "_".join(v.title() for v in values)
            _ENUMS[values] = enum.Enum(name, {v: v for v in values}, type=str)  # type: ignore[assignment]
        return _ENUMS[values]
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) == 1 and get_origin(inner[0]) is Literal:
            return _choices(inner[0]) | None
    return annotation


def derived_config(
    model: type[BaseModel], name: str, annotations: dict[str, Any] | None = None
) -> type[dg.Config]:
    """A `dg.Config` with the model's fields, defaults and descriptions (`annotations`
    replaces the type of some fields, e.g. nested models by their config classes)."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation = (annotations or {}).get(field_name) or _choices(info.annotation)
        default = info.get_default(call_default_factory=True)
        fields[field_name] = (annotation, Field(default=default, description=info.description))
    return create_model(name, __base__=dg.Config, __doc__=model.__doc__, **fields)


ColumnMappingConfig = derived_config(ColumnMapping, "ColumnMappingConfig")
ImportOptionsConfig = derived_config(
    ImportOptions,
    "ImportOptionsConfig",
    {"column_mapping": list[ColumnMappingConfig] | None},  # type: ignore[valid-type]
)


class ImportConfig(dg.Config):
    """One import. Launched from an upload partition, every field may stay empty: org,
    module and file come from the partition key, the options from the file's sidecar or its
    folder's `_defaults.yaml`, as the uploads sensor would."""

    org: str = Field(default="", description="Organisation (tenant) the records belong to.")
    module: str = Field(default="", description="contacts, companies or groups.")
    upload_key: str = Field(
        default="",
        description="The file's key in the uploads storage (default: from the partition).",
    )
    file_name: str = Field(default="", description="The file's name as shown in the job.")
    options: ImportOptionsConfig = Field(  # type: ignore[valid-type]
        default_factory=ImportOptionsConfig,
        description="Import options (SPEC §3). All left at their defaults, a partition launch "
        "takes the file's sidecar or _defaults.yaml and create_missing_references: true, as "
        "the sensor would; change any one and these options are used as shown, all of them.",
    )

    def option_values(self) -> dict[str, Any]:
        """The options as the options model takes them (unset ones left out)."""
        values = self.options.model_dump(mode="json", warnings=False)  # type: ignore[attr-defined]
        return {k: v for k, v in values.items() if v is not None and v != {}}


class RollbackConfig(dg.Config):
    """Undo one import: delete what it created, restore what it changed (SPEC §4)."""

    import_job_id: int = Field(
        description="The import job to undo: the import run's `contactflow/import_job_id` tag "
        "or `contactflow jobs`."
    )
    dry_run: bool = Field(
        default=False,
        description="Only count: report the deleted and restored rows and the conflicts a "
        "rollback would give now, and change nothing.",
    )


IMPORT_JOB_TAG = "contactflow/import_job_id"  # set by the CLI, and by parse_file once known
IMPORT_TARGET_TAG = "contactflow/import-target"  # <org>/<module>: the run queue's limit
# Links between an import's run and its rollback runs (the rollback op sets them).
ROLLBACK_OF_JOB_TAG = "contactflow/rollback_of_import_job"  # on a rollback run
ROLLBACK_OF_RUN_TAG = "contactflow/rollback_of_run"  # on a rollback run: the import's run id
ROLLED_BACK_BY_TAG = "contactflow/rolled_back_by_run"  # on the import's run
DRY_RUN_TAG = "contactflow/dry_run"  # on a rollback run that only counted
OPTIONS_ERROR_TAG = "contactflow/options_error"  # set by the sensor when a sidecar is unusable
SENSOR_DEFAULTS = {"create_missing_references": True}  # see docs/operations.md


@dataclass
class ImportTarget:
    """What one run imports, from its config, its tags and its partition key."""

    org: str
    module: str
    upload_key: str
    file_name: str
    options: dict[str, Any]
    options_error: str
    import_job_id: int
    partition_key: str | None
    options_given: bool

    @classmethod
    def of(cls, config: ImportConfig, context: dg.OpExecutionContext) -> ImportTarget:
        tags = context.run.tags
        partition = context.partition_key if context.has_partition_key else None
        org, module, file_name = config.org, config.module, config.file_name
        if partition and not (org and module):
            from_key = split_partition_key(partition)
            org, module = org or from_key[0], module or from_key[1]
            file_name = file_name or from_key[2]
        # A re-executed run may carry its parent's tags; it records an import job of its own.
        job = "" if context.run.parent_run_id else tags.get(IMPORT_JOB_TAG, "")
        options = config.option_values()
        return cls(
            org=org,
            module=module,
            upload_key=config.upload_key,
            file_name=file_name or Path(config.upload_key).name,
            options=options,
            options_error=tags.get(OPTIONS_ERROR_TAG, ""),
            import_job_id=int(job) if job.isdigit() else 0,
            partition_key=partition,
            options_given=options != ImportConfig().option_values(),
        )

    def resolve(self, storage: Storage) -> bool:
        """A launch from a partition alone: the file in the drop folder (or the copy an
        earlier CLI import kept), with the options the sensor would give it. Returns whether
        the options were read here."""
        if not (self.org and self.module):
            raise InputRejected(
                "Give org and module in the config, or launch from an upload partition."
            )
        check_org(self.org)
        if self.file_name:
            check_file_name(self.file_name)
        if self.upload_key:
            return False
        if not self.file_name:
            raise InputRejected("Give upload_key, or launch from an upload partition.")
        self.upload_key = f"{self.org}/{self.module}/{self.file_name}"
        copies = [
            found.key
            for found in storage.iter_all(f"_cli/{self.org}/{self.module}/")
            if found.key.endswith("/" + self.file_name)
        ]
        if not storage.list(self.upload_key, limit=1) and copies:
            self.upload_key = max(copies, key=lambda k: int(k.split("/")[3]))
        if not self.options_given:
            from pipelines.imports.uploads import options_for

            with tempfile.TemporaryDirectory(prefix="cf-options-") as work:
                options, self.options_error = options_for(storage, self.upload_key, Path(work))
            self.options = {**SENSOR_DEFAULTS, **options}
            return True
        return False
