from libs.shared.runtime import run_service
from services.payouts.bootstrap import wire

if __name__ == "__main__":
    run_service("payouts", wire)
