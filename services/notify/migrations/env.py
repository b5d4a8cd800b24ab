from services.notify.store import metadata
from shared.migration_env import run

run(metadata)
