from services.reporting.store import metadata
from shared.migration_env import run

run(metadata)
