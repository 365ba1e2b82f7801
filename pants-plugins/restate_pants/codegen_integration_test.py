"""RuleRunner tests: the real rules of this backend on files written by the tests."""

from __future__ import annotations

import dataclasses
from textwrap import dedent

import pytest
from pants.backend.python import target_types_rules
from pants.backend.python.dependency_inference import rules as python_dependency_inference
from pants.backend.python.dependency_inference.rules import (
    InferPythonImportDependencies,
    PythonImportDependenciesInferenceFieldSet,
)
from pants.backend.python.target_types import (
    PythonRequirementTarget,
    PythonSourcesGeneratorTarget,
    PythonSourceTarget,
)
from pants.core.goals.tailor import PutativeTarget, PutativeTargets
from pants.core.util_rules import source_files, stripped_source_files
from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.engine.target import (
    GeneratedSources,
    HydratedSources,
    HydrateSourcesRequest,
    InferredDependencies,
)
from pants.testutil.rule_runner import RuleRunner

from restate_pants import register
from restate_pants.codegen import (
    GeneratePythonFromRestateDeploymentRequest,
    GeneratePythonFromRestateServiceRequest,
)
from restate_pants.dependency_inference import (
    InferRestateDeploymentDependencies,
    InferRestateServiceDependencies,
    RestateDeploymentInferenceFieldSet,
    RestateServiceInferenceFieldSet,
)
from restate_pants.tailor import PutativeRestateServiceTargetsRequest
from restate_pants.target_types import (
    RestateDeploymentSourcesField,
    RestateDeploymentTarget,
    RestateServiceSourcesField,
    RestateServiceTarget,
)

USER_HANDLERS = dedent(
    '''\
    """Users, one object per e-mail address."""

    from restate import ObjectContext, ObjectSharedContext

    from app.users.models import Profile


    async def write(ctx: ObjectContext, profile: Profile) -> None:
        """Stores the profile."""
        ctx.set("profile", profile.model_dump())


    async def read(ctx: ObjectSharedContext) -> Profile | None:
        data = await ctx.get("profile")
        return Profile(**data) if data else None
    '''
)

MODELS = dedent(
    """\
    from pydantic import BaseModel


    class Profile(BaseModel):
        email: str
    """
)

EMAIL_HANDLERS = dedent(
    """\
    from restate import Context


    async def send_email(ctx: Context, to: str) -> bool:
        return True
    """
)

THIRD_PARTY = dedent(
    """\
    python_requirement(name="restate-sdk", requirements=["restate-sdk==1.3.0"],
        modules=["restate"])
    python_requirement(name="pydantic", requirements=["pydantic==2.14.3"])
    python_requirement(name="httpx", requirements=["httpx==0.28.1"])
    python_requirement(name="restate-glue", requirements=["restate-glue==0.1.0"])
    """
)


@pytest.fixture
def rule_runner() -> RuleRunner:
    runner = RuleRunner(
        rules=[
            *register.rules(),
            *target_types_rules.rules(),
            *python_dependency_inference.rules(),
            *source_files.rules(),
            *stripped_source_files.rules(),
            QueryRule(HydratedSources, [HydrateSourcesRequest]),
            QueryRule(GeneratedSources, [GeneratePythonFromRestateServiceRequest]),
            QueryRule(GeneratedSources, [GeneratePythonFromRestateDeploymentRequest]),
            QueryRule(InferredDependencies, [InferRestateServiceDependencies]),
            QueryRule(InferredDependencies, [InferRestateDeploymentDependencies]),
            QueryRule(InferredDependencies, [InferPythonImportDependencies]),
            QueryRule(PutativeTargets, [PutativeRestateServiceTargetsRequest]),
            QueryRule(DigestContents, [Digest]),
        ],
        target_types=[
            PythonSourcesGeneratorTarget,
            PythonSourceTarget,
            PythonRequirementTarget,
            RestateServiceTarget,
            RestateDeploymentTarget,
        ],
    )
    runner.set_options(
        ["--source-root-patterns=['src/python']", "--python-infer-use-rust-parser"],
        env_inherit={"PATH", "HOME", "PYENV_ROOT"},
    )
    return runner


def write_sample(rule_runner: RuleRunner, *, user_handlers: str = USER_HANDLERS) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/users/models.py": MODELS,
            "src/python/app/users/handlers.py": user_handlers,
            "src/python/app/users/BUILD": dedent(
                """\
                python_sources()
                restate_service(name="user", sources=["handlers.py"], inactivity_timeout=30)
                """
            ),
            "src/python/app/mail/handlers.py": EMAIL_HANDLERS,
            "src/python/app/mail/BUILD": dedent(
                """\
                python_sources()
                restate_service(name="email", sources=["handlers.py"])
                """
            ),
            "src/python/app/BUILD": dedent(
                """\
                restate_deployment(
                    name="deployment", services=["app/users:user", "app/mail:email"]
                )
                """
            ).replace("app/", "src/python/app/"),
        }
    )


def generate(rule_runner: RuleRunner, address: Address) -> dict[str, str]:
    target = rule_runner.get_target(address)
    if target.has_field(RestateServiceSourcesField):
        hydrated = rule_runner.request(
            HydratedSources, [HydrateSourcesRequest(target[RestateServiceSourcesField])]
        )
        request: object = GeneratePythonFromRestateServiceRequest(hydrated.snapshot, target)
    else:
        hydrated = rule_runner.request(
            HydratedSources, [HydrateSourcesRequest(target[RestateDeploymentSourcesField])]
        )
        request = GeneratePythonFromRestateDeploymentRequest(hydrated.snapshot, target)
    generated = rule_runner.request(GeneratedSources, [request])
    contents = rule_runner.request(DigestContents, [generated.snapshot.digest])
    return {f.path: f.content.decode() for f in contents}


def test_service_codegen_writes_adapter_and_client_under_the_source_root(
    rule_runner: RuleRunner,
) -> None:
    write_sample(rule_runner)
    files = generate(rule_runner, Address("src/python/app/users", target_name="user"))
    assert sorted(files) == [
        "src/python/app/users/user_restate.py",
        "src/python/app/users/user_restate_client.py",
    ]
    adapter = files["src/python/app/users/user_restate.py"]
    assert "restate.VirtualObject(" in adapter or "VirtualObject(" in adapter
    assert '"User"' in adapter
    assert "app.users.handlers" in adapter
    assert "src/python/app/users/handlers.py" in adapter.splitlines()[0] + adapter[:400]
    client = files["src/python/app/users/user_restate_client.py"]
    # The client never imports the implementation at import time.
    top_level_imports = [
        line for line in client.splitlines() if line.startswith(("import ", "from "))
    ]
    assert not any("app.users.handlers" in line for line in top_level_imports)


def test_codegen_is_deterministic(rule_runner: RuleRunner) -> None:
    write_sample(rule_runner)
    address = Address("src/python/app/users", target_name="user")
    assert generate(rule_runner, address) == generate(rule_runner, address)


def test_service_name_derived_from_target_name(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/mgr/handlers.py": EMAIL_HANDLERS,
            "src/python/app/mgr/BUILD": "python_sources()\nrestate_service(name='user_manager')",
        }
    )
    files = generate(rule_runner, Address("src/python/app/mgr", target_name="user_manager"))
    assert '"UserManager"' in files["src/python/app/mgr/user_manager_restate.py"]


def test_any_restate_name_gives_python_client_names(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/shop/BUILD": dedent(
                """\
                python_sources()
                restate_service(name="order-workflow.v2", service_name="order-workflow",
                    handlers={"send_email": {"name": "sendEmail"}})
                restate_service(name="account", sources=["handlers.py"])
                restate_deployment(name="deploy", services=[":order-workflow.v2", ":account"])
                """
            ),
        }
    )
    files = generate(rule_runner, Address("src/python/app/shop", target_name="order-workflow.v2"))
    client = files["src/python/app/shop/order_workflow_v2_restate_client.py"]
    assert "class OrderWorkflowClient(ServiceClient):" in client
    assert 'component = "order-workflow"' in client
    assert 'return self._call("sendEmail", _send_email, req, options)' in client
    adapter = files["src/python/app/shop/order_workflow_v2_restate.py"]
    assert 'name="sendEmail",' in adapter
    account = generate(rule_runner, Address("src/python/app/shop", target_name="account"))
    assert '"Account"' in account["src/python/app/shop/account_restate.py"]
    deployment = generate(rule_runner, Address("src/python/app/shop", target_name="deploy"))
    assert "from app.shop import account_restate, order_workflow_v2_restate" in "".join(
        deployment.values()
    )


@pytest.mark.parametrize(
    "fields, expected",
    [
        ('service_name="restateOrders"', "start with 'restate'"),
        ('service_name="order workflow"', "must start with a letter"),
        ('handlers={"send_email": {"name": "send-email"}}', "a name Restate rejects"),
        ('handlers={"send_email": {"nmae": "x"}}', "unknown setting 'nmae'; known settings"),
        ('handlers={"send_email": "sendEmail"}', "which is not a dict"),
        ('handlers=["send_email"]', "must be a dict"),
        # Options.
        ("inactivity_timeout=-5", "`inactivity_timeout` is -5, a negative duration"),
        ('abort_timeout="soon"', "`abort_timeout` is 'soon', which is not a duration"),
        ("journal_retention=[1]", "a number of seconds or a duration string"),
        ('metadata={"team": 1}', "Restate metadata keys and values are strings"),
        ("invocation_retry_policy={'max_attempts': 0}", "must be at least 1"),
        ("invocation_retry_policy={'exponentiation_factor': 0.5}", "below 1"),
        ("invocation_retry_policy={'on_max_attempts': 'stop'}", '"pause"'),
        ("invocation_retry_policy={'maxAttempts': 3}", "unknown setting 'maxAttempts'"),
        ('handlers={"send_email": {"inactivity_timeout": -1}}', "`inactivity_timeout` is -1"),
        ('handlers={"send_email": {"retry": {}}}', "unknown setting 'retry'"),
        ("state_preload='all'", "write True, False or a list of state keys"),
        ('handlers={"send_email": {"accept": "json"}}', "`accept` is 'json', which is not a"),
        ("invocation_context_managers=['app.tracing']", 'not a "package.module:attribute"'),
    ],
)
def test_invalid_names_and_options_on_the_target_name_the_target(
    rule_runner: RuleRunner, fields: str, expected: str
) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/shop/BUILD": (
                f"python_sources(name='py')\nrestate_service(name='shop', {fields})"
            ),
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app/shop", target_name="shop"))
    message = str(error.value)
    assert "src/python/app/shop:shop" in message and expected in message


@pytest.mark.parametrize(
    "fields, expected",
    [
        ("workflow_retention='1d'", "sets `workflow_retention`, but this component is a service"),
        ("state_preload=False", "sets `state_preload`, but this component is a service"),
        (
            'handlers={"send_email": {"workflow_retention": 60}}',
            "src/python/app/shop/handlers.py:4:11: the target's `handlers` field sets "
            "`workflow_retention` for `send_email`, a service handler",
        ),
    ],
)
def test_options_the_component_kind_does_not_take(
    rule_runner: RuleRunner, fields: str, expected: str
) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/shop/BUILD": (
                f"python_sources(name='py')\nrestate_service(name='shop', {fields})"
            ),
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app/shop", target_name="shop"))
    message = str(error.value)
    assert "Cannot generate Restate glue for src/python/app/shop:shop" in message
    assert expected in message


def test_options_from_the_build_file_reach_the_adapter(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/shop/BUILD": dedent(
                """\
                python_sources(name="py")
                restate_service(
                    name="shop",
                    metadata={"team": "mail"},
                    inactivity_timeout="1m30s",
                    invocation_retry_policy={"max_attempts": 3, "on_max_attempts": "kill"},
                    handlers={
                        "send_email": {
                            "description": "Sends one email.",
                            "abort_timeout": "500ms",
                            "ingress_private": True,
                        },
                    },
                )
                """
            ),
        }
    )
    files = generate(rule_runner, Address("src/python/app/shop", target_name="shop"))
    adapter = files["src/python/app/shop/shop_restate.py"]
    assert 'metadata={"team": "mail"},' in adapter
    assert "inactivity_timeout=timedelta(seconds=90)," in adapter
    assert (
        "invocation_retry_policy=restate.InvocationRetryPolicy(\n"
        "        max_attempts=3,\n"
        '        on_max_attempts="kill",\n'
    ) in adapter
    assert "abort_timeout=timedelta(seconds=0.5),\n    ingress_private=True,\n" in adapter
    assert '_HANDLER_DESCRIPTIONS = {"send_email": "Sends one email."}' in adapter


def test_unknown_function_in_handlers_field(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/shop/BUILD": (
                "python_sources(name='py')\n"
                "restate_service(name='shop', handlers={'sendEmail': {'name': 'sendEmail'}})"
            ),
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app/shop", target_name="shop"))
    message = str(error.value)
    assert "src/python/app/shop:shop" in message
    assert "names `sendEmail`, which is not a handler function" in message


def test_derived_name_restate_rejects_names_the_target(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/shop/BUILD": "python_sources()\nrestate_service(name='restate_x')",
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app/shop", target_name="restate_x"))
    message = str(error.value)
    assert "src/python/app/shop:restate_x has no `service_name`" in message
    assert "'RestateX'" in message


def test_deployment_rejects_components_whose_clients_collide(rule_runner: RuleRunner) -> None:
    write_sample(rule_runner)
    rule_runner.write_files(
        {
            "src/python/app/mail/BUILD": dedent(
                """\
                python_sources()
                restate_service(name="email", sources=["handlers.py"], service_name="user")
                """
            )
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app", target_name="deployment"))
    message = str(error.value)
    assert "would both be named UserClient" in message
    assert "src/python/app/mail:email" in message and "src/python/app/users:user" in message


def test_diagnostics_become_an_error_naming_target_and_location(rule_runner: RuleRunner) -> None:
    broken = USER_HANDLERS.replace("async def write", "def write")
    write_sample(rule_runner, user_handlers=broken)
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app/users", target_name="user"))
    message = str(error.value)
    assert "src/python/app/users:user" in message
    assert "src/python/app/users/handlers.py:8:" in message


def test_deployment_module_registers_every_service(rule_runner: RuleRunner) -> None:
    write_sample(rule_runner)
    files = generate(rule_runner, Address("src/python/app", target_name="deployment"))
    assert list(files) == ["src/python/app/deployment.py"]
    deployment = files["src/python/app/deployment.py"]
    for module in ("app.users.user_restate", "app.mail.email_restate_client"):
        assert module in deployment
    assert "def make_app" in deployment or "app = " in deployment


def test_deployment_rejects_duplicate_component_names(rule_runner: RuleRunner) -> None:
    write_sample(rule_runner)
    rule_runner.write_files(
        {
            "src/python/app/mail/BUILD": dedent(
                """\
                python_sources()
                restate_service(name="email", sources=["handlers.py"], service_name="User")
                """
            )
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app", target_name="deployment"))
    message = str(error.value)
    assert "two components named 'User'" in message
    assert "src/python/app/mail:email" in message and "src/python/app/users:user" in message


def test_deployment_rejects_a_service_that_is_not_a_restate_service(
    rule_runner: RuleRunner,
) -> None:
    write_sample(rule_runner)
    rule_runner.write_files(
        {"src/python/app/BUILD": "restate_deployment(name='d', services=['3rdparty:httpx'])"}
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/python/app", target_name="d"))
    assert "not a `restate_service`" in str(error.value)


def test_service_infers_its_handler_modules_and_runtime_libraries(
    rule_runner: RuleRunner,
) -> None:
    write_sample(rule_runner)
    target = rule_runner.get_target(Address("src/python/app/users", target_name="user"))
    inferred = rule_runner.request(
        InferredDependencies,
        [InferRestateServiceDependencies(RestateServiceInferenceFieldSet.create(target))],
    )
    assert set(inferred.include) == {
        Address("src/python/app/users", relative_file_path="handlers.py"),
        Address("3rdparty", target_name="restate-sdk"),
        Address("3rdparty", target_name="restate-glue"),
    }


def test_invocation_context_manager_modules_are_inferred_and_imported(
    rule_runner: RuleRunner,
) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/obs/tracing.py": "def span(): ...\ndef audit(): ...\n",
            "src/python/app/obs/BUILD": "python_sources()",
            "src/python/app/shop/BUILD": dedent(
                """\
                python_sources(name="py")
                restate_service(
                    name="shop",
                    invocation_context_managers=["app.obs.tracing:span"],
                    handlers={
                        "send_email": {"invocation_context_managers": ["app.obs.tracing:audit"]},
                    },
                )
                """
            ),
        }
    )
    target = rule_runner.get_target(Address("src/python/app/shop", target_name="shop"))
    inferred = rule_runner.request(
        InferredDependencies,
        [InferRestateServiceDependencies(RestateServiceInferenceFieldSet.create(target))],
    )
    assert Address("src/python/app/obs", relative_file_path="tracing.py") in inferred.include
    adapter = generate(rule_runner, target.address)["src/python/app/shop/shop_restate.py"]
    assert "from app.obs import tracing\n" in adapter
    assert 'restate.Service("Shop", invocation_context_managers=[tracing.span])' in adapter
    assert "invocation_context_managers=[tracing.audit]," in adapter


def test_an_unknown_context_manager_module_names_the_target(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": THIRD_PARTY,
            "src/python/app/shop/handlers.py": EMAIL_HANDLERS,
            "src/python/app/shop/BUILD": (
                "python_sources(name='py')\n"
                "restate_service(name='shop', invocation_context_managers=['app.nope:span'])"
            ),
        }
    )
    target = rule_runner.get_target(Address("src/python/app/shop", target_name="shop"))
    with pytest.raises(ExecutionError) as error:
        rule_runner.request(
            InferredDependencies,
            [InferRestateServiceDependencies(RestateServiceInferenceFieldSet.create(target))],
        )
    message = str(error.value)
    assert "src/python/app/shop:shop: `invocation_context_managers` names the module" in message
    assert "`app.nope`" in message


def test_a_resolve_without_the_runtime_library_gets_one_clear_error(
    rule_runner: RuleRunner,
) -> None:
    write_sample(rule_runner)
    without_runtime = THIRD_PARTY.replace(
        'python_requirement(name="restate-glue", requirements=["restate-glue==0.1.0"])', ""
    )
    rule_runner.write_files({"3rdparty/BUILD": without_runtime})
    target = rule_runner.get_target(Address("src/python/app/users", target_name="user"))
    with pytest.raises(ExecutionError) as error:
        rule_runner.request(
            InferredDependencies,
            [InferRestateServiceDependencies(RestateServiceInferenceFieldSet.create(target))],
        )
    message = str(error.value)
    assert "generated Restate code imports `restate_glue`" in message
    assert "Add `restate-glue==0.1.0` to that resolve's requirements" in message


def test_unowned_handler_modules_are_an_error(rule_runner: RuleRunner) -> None:
    write_sample(rule_runner)
    rule_runner.write_files(
        {"src/python/app/mail/BUILD": "restate_service(name='email', sources=['handlers.py'])"}
    )
    target = rule_runner.get_target(Address("src/python/app/mail", target_name="email"))
    with pytest.raises(ExecutionError) as error:
        rule_runner.request(
            InferredDependencies,
            [InferRestateServiceDependencies(RestateServiceInferenceFieldSet.create(target))],
        )
    assert "not owned by a `python_sources` target" in str(error.value)


def test_deployment_infers_its_services(rule_runner: RuleRunner) -> None:
    write_sample(rule_runner)
    target = rule_runner.get_target(Address("src/python/app", target_name="deployment"))
    inferred = rule_runner.request(
        InferredDependencies,
        [InferRestateDeploymentDependencies(RestateDeploymentInferenceFieldSet.create(target))],
    )
    assert {
        Address("src/python/app/users", target_name="user"),
        Address("src/python/app/mail", target_name="email"),
        Address("3rdparty", target_name="restate-glue"),
    } <= set(inferred.include)


def test_importing_a_generated_module_infers_the_target_that_generates_it(
    rule_runner: RuleRunner,
) -> None:
    write_sample(rule_runner)
    rule_runner.write_files(
        {
            "src/python/app/caller/main.py": dedent(
                """\
                from app.users.user_restate_client import UserIngressClient
                import app.deployment
                """
            ),
            "src/python/app/caller/BUILD": "python_sources()",
        }
    )
    target = rule_runner.get_target(Address("src/python/app/caller", relative_file_path="main.py"))
    inferred = rule_runner.request(
        InferredDependencies,
        [InferPythonImportDependencies(PythonImportDependenciesInferenceFieldSet.create(target))],
    )
    assert Address("src/python/app/users", target_name="user") in inferred.include
    assert Address("src/python/app", target_name="deployment") in inferred.include


def test_tailor_proposes_a_target_per_handler_module_not_yet_owned(
    rule_runner: RuleRunner,
) -> None:
    write_sample(rule_runner)
    rule_runner.write_files(
        {
            "src/python/app/billing/invoices.py": EMAIL_HANDLERS.replace("send_email", "bill"),
            "src/python/app/billing/util.py": "def helper() -> int:\n    return 1\n",
            "src/python/app/billing/BUILD": "python_sources()",
        }
    )
    putative = rule_runner.request(
        PutativeTargets,
        [PutativeRestateServiceTargetsRequest(("src/python/app/billing", "src/python/app/users"))],
    )
    expected = PutativeTarget.for_target_type(
        RestateServiceTarget,
        path="src/python/app/billing",
        name="invoices",
        triggering_sources=["invoices.py"],
        kwargs={"sources": ("invoices.py",)},
    )
    assert putative == PutativeTargets([dataclasses.replace(expected, owned_sources=())])
