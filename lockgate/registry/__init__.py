"""The embedded model registry: a folder of versions and atomically moved aliases."""

from lockgate.registry.store import (
    ModelRegistry,
    ModelVersion,
    RegistryError,
    default_registry_root,
)

__all__ = ["ModelRegistry", "ModelVersion", "RegistryError", "default_registry_root"]
