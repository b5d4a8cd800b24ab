from services.intake.store import metadata
from shared.migration_env import run

run(metadata)
