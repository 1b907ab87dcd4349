from libs.shared.runtime import run_service
from services.tracking.bootstrap import wire

if __name__ == "__main__":
    run_service("tracking", wire)
