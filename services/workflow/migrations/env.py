from services.workflow.store import metadata
from shared.migration_env import run

run(metadata)
