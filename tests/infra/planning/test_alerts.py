"""Issue 17: alarms reach people (`alerts` config, infra/planning/alerts.py, SNS subscriptions)."""
from __future__ import annotations

import pytest

from infra.config import ConfigError, parse_platform
from infra.planning.alerts import alert_notes
from tests.conftest import by_name, of_type, run_stack, stack_platform

WARNING = ("WARNING: prod critical alarms publish to SNS topics with no subscriber: set alerts.critical (email, https, "
           "pagerduty_secret) or alerts.email, alerts.https or alerts.pagerduty so the data alarms (replication lag, "
           "connections, storage) and relay's critical thresholds reach someone")


def cfg_for(stack: str, *overrides: str):
    platform, _ = stack_platform(stack, overrides)
    return parse_platform(platform, f"Pulumi.{stack}.yaml")


def test_prod_without_subscriber_is_warned_dev_is_not():
    assert alert_notes(cfg_for("prod")) == (WARNING,)
    assert alert_notes(cfg_for("dev")) == ()
    assert alert_notes(cfg_for("prod", 'alerts.email=["oncall@example.com"]')) == ()
    assert alert_notes(cfg_for("prod", "alerts.critical.pagerduty_secret=true")) == ()
    # a warning-only or info-only target pages nobody
    assert alert_notes(cfg_for("prod", 'alerts.warning.email=["team@example.com"]')) == (WARNING,)


def test_subscriptions_in_order_pagerduty_as_https():
    cfg = cfg_for("prod", 'alerts.email=["a@example.com"]', 'alerts.https=["https://hooks.example.com/sns"]',
                  'alerts.pagerduty=["https://events.pagerduty.com/integration/k/enqueue"]')
    assert cfg.alerts.subscriptions() == (("email", "a@example.com"), ("https", "https://hooks.example.com/sns"),
                                          ("https", "https://events.pagerduty.com/integration/k/enqueue"))


@pytest.mark.parametrize(("override", "key"), [
    ('alerts.email=["nope"]', "alerts.email[0]"),
    ('alerts.https=["http://plain.example.com"]', "alerts.https[0]"),
    ('alerts.sms=["+15550100"]', "alerts.sms"),
    ('alerts.critical.email=["nope"]', "alerts.critical.email[0]"),
    ('alerts.warning.https=["http://plain.example.com"]', "alerts.warning.https[0]"),
    ('alerts.critical.pagerduty_secret="yes please"', "alerts.critical.pagerduty_secret"),
    ('alerts.page.email=["a@example.com"]', "alerts.page"),
])
def test_bad_targets_name_the_key(override, key):
    with pytest.raises(ConfigError) as err:
        cfg_for("prod", override)
    assert f"scaling-platform:platform.{key}:" in str(err.value)


def test_each_target_subscribes_the_alarm_topic_under_a_stable_name():
    one = run_stack("prod", ('alerts.email=["oncall@example.com"]',))
    two = run_stack("prod", ('alerts.email=["first@example.com","oncall@example.com"]',))
    sub = by_name(one, "prod-us-east-1-data-alarms-email-d876c66b")
    assert dict(sub.inputs) == {"protocol": "email", "endpoint": "oncall@example.com",
                                "topic": "arn:aws:sns:us-east-1:123456789012:prod-us-east-1-data-alarms"}
    # adding a target in front leaves the existing subscription's name and inputs as they were
    assert dict(by_name(two, "prod-us-east-1-data-alarms-email-d876c66b").inputs) == dict(sub.inputs)
    data = [s for s in of_type(two, "aws:sns/topicSubscription:TopicSubscription") if "-data-alarms-" in s.name]
    # 2 targets x 2 data-alarm topics (us-east-1, and us-west-2 for prod's default cross-region replicas)
    assert len(data) == 4


def test_subscriptions_per_severity_top_level_reaches_critical_and_warning_only():
    cfg = cfg_for("prod", 'alerts.email=["a@example.com"]', 'alerts.critical.email=["pager@example.com","a@example.com"]',
                  'alerts.info.https=["https://hooks.example.com/chatops"]')
    assert cfg.alerts.subscriptions_for("critical") == (("email", "a@example.com"), ("email", "pager@example.com"))
    assert cfg.alerts.subscriptions_for("warning") == (("email", "a@example.com"),)
    assert cfg.alerts.subscriptions_for("info") == (("https", "https://hooks.example.com/chatops"),)
