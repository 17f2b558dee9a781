"""Start and stop the whole local system: moto, resources, environment, HTTP server, consumers."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localrunner.aws import REGION, MotoServer, SentMailHeaders, configure_environment
from localrunner.cfn import REPO_ROOT
from localrunner.consumers import Consumers, trim_replayed
from localrunner.fake_shippo import FakeShippo
from localrunner.fake_stripe import FakeStripe
from localrunner.invoker import DEFAULT_CONCURRENCY, FunctionHost, add_layers_to_path, hosts
from localrunner.mailbox import Mailbox
from localrunner.persistence import Journal, Part
from localrunner.provisioning import Existing
from localrunner.server import App, RunnerServer
from localrunner.template import (
    Provisioned,
    Routes,
    Template,
    api_routes,
    function_environment,
    functions,
    load_template,
    provision,
)

if TYPE_CHECKING:
    import boto3

log = logging.getLogger("localrunner")

# Webhooks may target a receiver on this machine, and a failed delivery is retried after 1, 2, 4... s.
# No X-Ray daemon here: the functions make no Tracer (POWERTOOLS_TRACE_DISABLED=true).
LOCAL_PARAMETERS = {"Stage": "dev", "AllowLoopbackWebhooks": "true", "WebhookRetryBaseSeconds": "1",
                    "EnableTracing": "false"}


# Store billing against the local fake Stripe: the operator's keys (sign test events for
# POST /v1/billing/stripe/webhook with LOCAL_BILLING_KEYS["webhook_secret"]) and a Price per paid plan.
LOCAL_BILLING_SECRET = "storecrm-local-platform-stripe"
LOCAL_BILLING_KEYS = {"secret_key": "sk_test_local_platform", "webhook_secret": "whsec_local_platform"}


def local_billing(session: boto3.session.Session, template: Template) -> dict[str, str]:
    """Parameters that sell the template's default plans through the fake Stripe (paid plans get a
    `price_local_<plan id>` Price, which the fake accepts like any other). The operator's keys are a secret
    made once (a restart with saved data finds it)."""
    secrets: Any = session.client("secretsmanager")
    try:
        secrets.describe_secret(SecretId=LOCAL_BILLING_SECRET)
    except secrets.exceptions.ResourceNotFoundException:
        secrets.create_secret(Name=LOCAL_BILLING_SECRET, SecretString=json.dumps(LOCAL_BILLING_KEYS))
    plans = json.loads(template["Parameters"]["BillingPlans"]["Default"])
    for plan in plans:
        if plan.get("amount"):
            plan["provider_price_id"] = f"price_local_{plan['id']}"
    return {"PlatformStripeSecretName": LOCAL_BILLING_SECRET, "BillingPlans": json.dumps(plans)}


# Meant to differ: each function names itself (its log lines' and metrics' `service`). Here the
# Globals value stands for all of them.
PER_FUNCTION = {"POWERTOOLS_SERVICE_NAME"}


def shared_environment(template: Template, prov: Provisioned) -> dict[str, str]:
    """One process hosts every function, so their variables must agree; later ones win, with a warning."""
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    common = template["Globals"]["Function"]["Environment"]["Variables"]
    for logical_id in functions(template):
        for name, value in function_environment(template, prov, logical_id).items():
            if name in PER_FUNCTION:
                value = prov.resolve_str(common[name])
            if name in merged and merged[name] != value:
                log.warning(
                    "%s sets %s=%r but %s set %r; all functions share one environment here",
                    logical_id,
                    name,
                    value,
                    owner[name],
                    merged[name],
                )
            merged[name], owner[name] = value, logical_id
    return merged


@dataclass
class Runner:
    host: str = "127.0.0.1"
    port: int = 3000
    schedule_seconds: float = 15.0
    clock_rate: float = 1.0
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    preload: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    # Where the data lives between runs (None: nowhere, everything is lost at stop); fresh: start empty.
    data_dir: Path | None = REPO_ROOT / ".local-data"
    fresh: bool = False

    # Filled by start().
    aws_endpoint_url: str = ""
    template: Template | None = None
    provisioned: Provisioned | None = None
    routes: Routes = field(default_factory=Routes)
    function_hosts: dict[str, FunctionHost] = field(default_factory=dict)
    consumer_labels: list[str] = field(default_factory=list)
    _moto: MotoServer | None = None
    _stripe: FakeStripe | None = None
    _shippo: FakeShippo | None = None
    _server: RunnerServer | None = None
    _consumers: Consumers | None = None
    _mail_stop: threading.Event = field(default_factory=threading.Event)
    _sent_mail: SentMailHeaders = field(default_factory=SentMailHeaders)
    _threads: list[threading.Thread] = field(default_factory=list)
    _journal: Journal | None = None
    _existing: Existing = field(default_factory=Existing)
    restored: bool = False  # whether start() found saved data

    @property
    def stripe_url(self) -> str | None:
        return self._stripe.url if self._stripe else None

    @property
    def shippo_url(self) -> str | None:
        return self._shippo.url if self._shippo else None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._moto = moto = MotoServer(self.host, self._sent_mail)
        self.aws_endpoint_url = moto.start()
        configure_environment(self.aws_endpoint_url)
        overrides = {**LOCAL_PARAMETERS, **self.parameter_overrides}
        # Stripe calls (paid audiences) go to a local fake unless a StripeApiBase override says otherwise.
        if "StripeApiBase" not in overrides:
            self._stripe = FakeStripe(self.host)
            overrides["StripeApiBase"] = self._stripe.start()
        # Shipping rates and labels (shippo integrations) likewise; its rates live only as long as the runner.
        if "ShippoApiBase" not in overrides:
            self._shippo = FakeShippo(self.host)
            overrides["ShippoApiBase"] = self._shippo.start()
        if self.data_dir is not None:
            self._journal = self._open_data(self.data_dir)

        import boto3  # after configure_environment, so the session sees the moto endpoint

        session = boto3.session.Session(region_name=REGION)
        self.template = load_template()
        if self._stripe is not None and "PlatformStripeSecretName" not in overrides:
            overrides = {**local_billing(session, self.template), **overrides}
        self.provisioned = prov = provision(session, overrides, self.template, self._existing)
        if self._journal is not None:
            # What was loaded, replayed and provisioned, in one snapshot.
            log.info("data folder snapshot written in %.1f s", self._journal.compact())
            moto.set_journal(self._journal)
        os.environ.update(shared_environment(self.template, prov))
        if self.clock_rate != 1.0:
            if self.clock_rate <= 0:
                raise ValueError("--clock-rate must be above 0")
            # storecrm.clock reads these (its CLOCK_RATE and CLOCK_START).
            os.environ.update({"STORECRM_CLOCK_RATE": repr(self.clock_rate), "STORECRM_CLOCK_START": repr(time.time())})
        add_layers_to_path()

        self.function_hosts = hosts(functions(self.template), prov.region, self.concurrency)
        if self.preload:
            self._preload()
        self.routes = api_routes(self.template)
        mailbox = Mailbox(prov.account_id, prov.region, self._sent_mail)
        mailbox.prime()  # mail from before a restart is in the mailbox, not echoed again
        app = App.from_template(self.routes, self.function_hosts, prov, mailbox, self.aws_endpoint_url)
        self._server = RunnerServer((self.host, self.port), app)

        self._spawn("http", self._server.serve_forever, 0.2)  # short poll: quick shutdown
        self._spawn("mailbox", mailbox.watch, self._mail_stop)
        self._consumers = Consumers(self.function_hosts, prov, session, self.schedule_seconds)
        self._consumers.read_through.journal = self._journal
        self.consumer_labels = self._consumers.start()

    def _open_data(self, folder: Path) -> Journal:
        """The data folder, taken (or refused while another runner has it), with its data loaded."""
        assert self._moto is not None
        journal = Journal(folder)
        journal.open(self.fresh)
        journal.parts["provisioned"] = Part(lambda: self._existing, self._load_existing)
        journal.parts["reply_to"] = Part(self._sent_mail.state, self._sent_mail.restore)
        journal.replayers.update(aws=self._moto.in_process.replay, http=self._moto.app.replay, trim=trim_replayed)
        if self._stripe is not None:
            stripe = self._stripe
            journal.parts["stripe"] = Part(stripe.state, stripe.restore)
            stripe.on_change = lambda: journal.part_changed("stripe")
        self.restored = journal.has_data
        if self.restored:
            journal.load()
        return journal

    def _load_existing(self, existing: Existing) -> None:
        self._existing = existing

    def _spawn(self, name: str, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _preload(self) -> None:
        for logical_id, function_host in self.function_hosts.items():
            try:
                function_host.load()
            except Exception:
                log.exception("%s does not import", logical_id)

    def stop(self) -> None:
        """Stop in reverse order: no new requests, no new events, then the AWS stand-in."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._consumers is not None:
            self._consumers.shutdown()
        self._mail_stop.set()
        for thread in self._threads:
            thread.join(1.0)
        if self._stripe is not None:
            self._stripe.stop()
        if self._shippo is not None:
            self._shippo.stop()
        if self._journal is not None and self._journal.quick_to_compact():
            # The next start then has nothing to replay. Only when it is quick: a supervisor kills a few seconds
            # after SIGTERM (and a kill meanwhile leaves the last snapshot and the journal as they were).
            self._journal.compact()
        if self._moto is not None:
            self._moto.set_journal(None)
            self._moto.stop()
        if self._journal is not None:
            self._journal.close()
