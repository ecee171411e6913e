"""The Kubernetes manifests of every combination, validated offline and locked down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from deploy_checks import (
    MIN_SECRET_KEY_LENGTH,
    SECRET_NAME,
    SHUTDOWN_TIMEOUT,
    ComboRender,
)

# Kubernetes releases the manifests must be valid for: an old one still in wide use,
# and a recent one (kubernetes-validate ships the schemas of both).
KUBERNETES_VERSIONS = ("1.31.0", "1.34.0")
K8S = Path("deploy/k8s")


def manifests(render: ComboRender) -> dict[str, list[dict[str, Any]]]:
    """Every YAML file of deploy/k8s but the kustomization, with its documents."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
        for path in sorted((render.dst / K8S).glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def resources(render: ComboRender) -> dict[str, dict[str, Any]]:
    """The applied objects (not the examples), by kind/name."""
    listed = render.yaml(K8S / "kustomization.yaml")["resources"]
    objects = manifests(render)
    return {
        f"{doc['kind']}/{doc['metadata']['name']}": doc for name in listed for doc in objects[name]
    }


def validate(document: dict[str, Any]) -> list[str]:
    """kubernetes-validate, strict (unknown fields are errors), for each supported release."""
    errors = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            errors.append(f"{version}: {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(f"{version}: {error.message}")
    return errors


def test_kubernetes_validate_is_strict_and_offline() -> None:
    """The validator has the schemas on disk and refuses a misspelled field."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x"},
        "spec": {"containers": [{"name": "x", "image": "x"}]},
    }
    assert validate(pod) == []
    pod["spec"]["containers"][0]["livenesProbe"] = {}
    assert len(validate(pod)) == len(KUBERNETES_VERSIONS)


def test_kubernetes_manifests_validate(combo: ComboRender) -> None:
    problems = [
        f"{name} {doc.get('kind')}: {error}"
        for name, docs in manifests(combo).items()
        for doc in docs
        for error in validate(doc)
    ]
    assert problems == []


def test_kustomization_lists_every_manifest(combo: ComboRender) -> None:
    kustomization = combo.yaml(K8S / "kustomization.yaml")
    files = set(manifests(combo))
    examples = {name for name in files if name.endswith(".example.yaml")}
    assert examples == {"secret.example.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files - examples)
    expected = {"configmap.yaml", "deployment.yaml", "service.yaml"} | (
        {"hpa.yaml", "pdb.yaml", "migration-job.yaml"}
        if combo.database == "postgresql"
        else {"pvc.yaml"}
    )
    assert set(kustomization["resources"]) == expected
    assert [image["name"] for image in kustomization["images"]] == [combo.slug]


def pod_specs(objects: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, obj in objects.items():
        if obj["kind"] in ("Deployment", "Job"):
            yield key, obj["spec"]["template"]["spec"]


def test_workloads_are_locked_down(combo: ComboRender) -> None:
    """Every pod and container: non-root, no privilege, read-only root, limits, /tmp."""
    objects = resources(combo)
    names = {key.split("/", 1)[1] for key in objects}
    assert all(name == combo.slug or name.startswith(f"{combo.slug}-") for name in names), names
    config_map = f"{combo.slug}-config"
    secret = f"{combo.slug}-secrets"
    assert f"ConfigMap/{config_map}" in objects
    specs = dict(pod_specs(objects))
    assert set(specs) == {f"Deployment/{combo.slug}"} | (
        {f"Job/{combo.slug}-migrate"} if combo.database == "postgresql" else set()
    )
    for key, spec in specs.items():
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, key
        assert context["runAsUser"] != 0, key
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, key
        assert spec["automountServiceAccountToken"] is False, key
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{key} {container['name']}"
            assert container["image"] == combo.slug, where  # set by kustomization images
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            for part in ("requests", "limits"):
                assert set(container["resources"][part]) == {"cpu", "memory"}, where
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], where
            if combo.database == "sqlite":
                claim = volumes[mounts["/app/data"]]["persistentVolumeClaim"]["claimName"]
                assert f"PersistentVolumeClaim/{claim}" in objects, where
            sources = [
                next(iter(source.values()))["name"] for source in container.get("envFrom", [])
            ]
            assert sources == [config_map, secret], where


def test_deployment_probes_and_shutdown(combo: ComboRender) -> None:
    deployment = resources(combo)[f"Deployment/{combo.slug}"]
    spec = deployment["spec"]["template"]["spec"]
    (api,) = spec["containers"]
    ports = {port["name"]: port["containerPort"] for port in api["ports"]}
    assert ports == {"http": 8000}
    expected_paths = {
        "startupProbe": "/health/live",
        "livenessProbe": "/health/live",
        "readinessProbe": "/health/ready",
    }
    for probe, path in expected_paths.items():
        get = api[probe]["httpGet"]
        assert (get["path"], get["port"]) == (path, "http"), probe
        assert {"name": "Host", "value": "localhost"} in get["httpHeaders"], probe
    pre_stop = api["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert spec["terminationGracePeriodSeconds"] > int(pre_stop[1]) + SHUTDOWN_TIMEOUT
    service = resources(combo)[f"Service/{combo.slug}"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    if combo.database == "postgresql":
        hpa = resources(combo)[f"HorizontalPodAutoscaler/{combo.slug}"]
        assert hpa["spec"]["scaleTargetRef"]["name"] == combo.slug
        assert hpa["spec"]["minReplicas"] >= 2
        job = resources(combo)[f"Job/{combo.slug}-migrate"]["spec"]["template"]["spec"]
        assert job["containers"][0]["command"] == [combo.slug, "db", "upgrade"]
        assert job["restartPolicy"] == "Never"
    else:  # one SQLite writer: a single pod, migrating before it serves
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}
        assert spec["initContainers"][0]["command"] == [combo.slug, "db", "upgrade"]


def test_settings_and_secrets(combo: ComboRender) -> None:
    """Production settings in the ConfigMap, secrets only in the (example) Secret."""
    config = resources(combo)[f"ConfigMap/{combo.slug}-config"]["data"]
    (secret,) = manifests(combo)["secret.example.yaml"]
    assert secret["metadata"]["name"] == f"{combo.slug}-secrets"
    secrets = secret["stringData"]
    assert config["ENVIRONMENT"] == "production"
    assert config["LOG_FORMAT"] == "json"
    assert config["EMAIL_BACKEND"] == "smtp"
    assert not set(config) & set(secrets)
    assert not [key for key in config if SECRET_NAME.search(key)]
    # The example's placeholder key is too short: applied by mistake, the service refuses it.
    assert len(secrets["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH
    assert ("DATABASE_URL" in secrets) == (combo.database == "postgresql")
    assert ("DATABASE_URL" in config) == (combo.database == "sqlite")
    assert ("REDIS_URL" in secrets) == ("redis" in combo.modules)
    # Every variable set for the service is one it reads (the README lists them all).
    compose_env = combo.yaml("compose.yaml")["services"]["api"]["environment"]
    readme = combo.text("README.md")
    undocumented = [key for key in [*config, *secrets, *compose_env] if f"`{key}`" not in readme]
    assert undocumented == []
