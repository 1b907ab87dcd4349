"""deploy/ stays in step with the services: every one is deployed, probed on its real port,
scaled, and started by Compose after the migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from libs.shared.settings import SERVICES, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
CONSUMERS = [name for name in SERVICES if name != "gateway"]


def _yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def _load_all(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def _k8s_docs() -> list[dict[str, Any]]:
    return [doc for path in sorted(K8S.glob("*.yaml")) if path.name != "kustomization.yaml"
            for doc in _load_all(path)]


def _find(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in _k8s_docs() if doc.get("kind") == kind}


def _config() -> dict[str, str]:
    return {key: str(value) for key, value in _find("ConfigMap")["rekomi-config"]["data"].items()}


def _settings() -> Settings:
    # tests/conftest.py moves the ports for test runs; the manifests use the ConfigMap's.
    config = _config()
    return Settings(ops_base_port=int(config.get("REKOMI_OPS_BASE_PORT", 9100)),
                    gateway_port=int(config.get("REKOMI_GATEWAY_PORT", 8080)))


def _expected_port(service: str) -> int:
    assert service in SERVICES, f"services/{service} is not in libs.shared.settings.SERVICES"
    settings = _settings()
    return settings.gateway_port if service == "gateway" else settings.ops_port(service)


def _deployed_services() -> list[str]:
    """SERVICES, plus any ``services/<x>/__main__.py`` on disk (a runnable service)."""
    on_disk = sorted(p.parent.name for p in (ROOT / "services").glob("*/__main__.py"))
    return list(SERVICES) + [name for name in on_disk if name not in SERVICES]


def _command(container: dict[str, Any]) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def _probe_port(container: dict[str, Any], probe: dict[str, Any]) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, str):  # a named port
        named = {p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p}
        return int(named[port])
    return int(port)


def _compose() -> dict[str, Any]:
    with (DEPLOY / "compose.yaml").open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


def test_every_yaml_file_under_deploy_parses() -> None:
    files = _yaml_files()
    assert DEPLOY / "compose.yaml" in files
    assert K8S / "kustomization.yaml" in files
    for path in files:
        docs = _load_all(path)
        assert docs, f"{path} has no YAML documents"
        for doc in docs:
            assert isinstance(doc, dict), f"{path}: a document is not a mapping"
            if path.parent == K8S and path.name != "kustomization.yaml":
                assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path


def test_kustomization_lists_every_manifest() -> None:
    kustomization = _load_all(K8S / "kustomization.yaml")[0]
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


def test_namespace_config_and_secret() -> None:
    assert "rekomi" in _find("Namespace")
    fields = {f"REKOMI_{name.upper()}" for name in Settings.model_fields}
    config = _config()
    secret = _find("Secret")["rekomi-secrets"]["stringData"]
    secret_keys = {"REKOMI_DATABASE_URL", "REKOMI_AMQP_URL", "REKOMI_REDIS_URL",
                   "REKOMI_SECRETS_KEYS",  # seals stored secrets (required in production)
                   # payout providers' credentials (empty: the method is not offered)
                   "REKOMI_STRIPE_API_KEY", "REKOMI_PAYPAL_CLIENT_ID",
                   "REKOMI_PAYPAL_CLIENT_SECRET", "REKOMI_WISE_API_TOKEN",
                   "REKOMI_WISE_PROFILE_ID"}
    assert set(secret) == secret_keys
    assert secret_keys <= fields
    assert not secret_keys & config.keys(), "connection URLs belong in the Secret"
    assert config.keys() <= fields, f"unknown settings: {sorted(config.keys() - fields)}"
    assert config["REKOMI_OPS_HOST"] == config["REKOMI_GATEWAY_HOST"] == "0.0.0.0"
    for doc in _k8s_docs():
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "rekomi", doc["metadata"]["name"]


@pytest.mark.parametrize("service", _deployed_services())
def test_every_service_has_a_probed_deployment(service: str) -> None:
    deployments = _find("Deployment")
    name = f"rekomi-{service}"
    assert name in deployments, f"services/{service} has no Deployment {name}"
    deployment = deployments[name]
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    assert pod["metadata"]["labels"]["app.kubernetes.io/name"] == name
    [container] = pod["spec"]["containers"]
    assert _command(container) == ["python", "-m", f"services.{service}"]

    port = _expected_port(service)
    assert port in [p["containerPort"] for p in container["ports"]]
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    assert readiness["httpGet"]["path"] == "/readyz"
    assert liveness["httpGet"]["path"] == "/healthz"
    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        if kind in container:
            assert _probe_port(container, container[kind]) == port, kind

    env_from = container["envFrom"]
    assert {"configMapRef": {"name": "rekomi-config"}} in env_from
    assert {"secretRef": {"name": "rekomi-secrets"}} in env_from
    resources = container["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert {"cpu", "memory"} <= resources["limits"].keys()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_service_on_its_port(service: str) -> None:
    svc = _find("Service")[f"rekomi-{service}"]
    assert svc["spec"]["selector"] == {"app.kubernetes.io/name": f"rekomi-{service}"}
    pod = _find("Deployment")[f"rekomi-{service}"]["spec"]["template"]
    [container] = pod["spec"]["containers"]
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    targets = [named.get(p["targetPort"], p["targetPort"]) for p in svc["spec"]["ports"]]
    assert _expected_port(service) in targets


def test_a_job_runs_the_migrations() -> None:
    jobs = _find("Job")
    assert "rekomi-migrate" in jobs
    containers = jobs["rekomi-migrate"]["spec"]["template"]["spec"]["containers"]
    assert any(_command(c) == ["rekomi", "migrate"] for c in containers)


@pytest.mark.parametrize("service", CONSUMERS)
def test_every_consumer_scales_on_its_queue(service: str) -> None:
    scaled = [doc for doc in _find("ScaledObject").values()
              if doc["spec"]["scaleTargetRef"]["name"] == f"rekomi-{service}"]
    assert len(scaled) == 1, f"rekomi-{service} needs exactly one ScaledObject"
    [obj] = scaled
    assert obj["apiVersion"] == "keda.sh/v1alpha1"
    assert obj["spec"]["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
    triggers = [t for t in obj["spec"]["triggers"] if t["type"] == "rabbitmq"]
    assert triggers, f"rekomi-{service} does not scale on RabbitMQ"
    namespace = _config()["REKOMI_NAMESPACE"]
    auths = _find("TriggerAuthentication")
    for trigger in triggers:
        assert trigger["metadata"]["mode"] == "QueueLength"
        queue = trigger["metadata"]["queueName"]
        # Its request queue, or one of its event queues.
        assert queue == f"{namespace}.rpc.{service}" or queue.startswith(
            f"{namespace}.{service}."), queue
        auth = auths[trigger["authenticationRef"]["name"]]
        assert {"parameter": "host", "name": "rekomi-secrets", "key": "REKOMI_AMQP_URL"} in (
            auth["spec"]["secretTargetRef"])


def test_the_gateway_scales_on_cpu() -> None:
    hpa = _find("HorizontalPodAutoscaler")["rekomi-gateway"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "rekomi-gateway"
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_compose_runs_every_service_after_the_migrations() -> None:
    services = _compose()["services"]
    assert {"postgres", "rabbitmq", "redis"} <= services.keys()
    assert _command(services["migrate"]) == ["rekomi", "migrate"]
    for name in _deployed_services():
        assert name in services, f"services/{name} is missing from compose.yaml"
        assert name in SERVICES, f"services/{name} is not in libs.shared.settings.SERVICES"
        service = services[name]
        assert _command(service) == ["python", "-m", f"services.{name}"]
        depends = service["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        env = service["environment"]
        assert env["REKOMI_OPS_HOST"] == env["REKOMI_GATEWAY_HOST"] == "0.0.0.0"
        # Explicit, because tests/conftest.py moves the ports in this process's environment.
        settings = Settings(ops_base_port=int(env.get("REKOMI_OPS_BASE_PORT", 9100)),
                            gateway_port=int(env.get("REKOMI_GATEWAY_PORT", 8080)))
        port = settings.gateway_port if name == "gateway" else settings.ops_port(name)
        assert f":{port}/readyz" in " ".join(service["healthcheck"]["test"]), name
    assert "8080:8080" in services["gateway"]["ports"]
