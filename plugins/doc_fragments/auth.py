# -*- coding: utf-8 -*-
# Copyright (c) mailops.ovh_hosting contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options of plugins/module_utils/common.py AUTH_ARGUMENT_SPEC.
    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - The OVH API to talk to.
      - V(ovh-eu), V(ovh-ca), V(ovh-us), or the URL of an OVH-compatible API ending in C(/1.0), such as the
        C(ovhsim) simulator's C(http://127.0.0.1:8080/1.0).
      - When not set, E(OVH_ENDPOINT), then C(endpoint) in the C([default]) section of C(ovh.conf).
    type: str
  application_key:
    description:
      - The OVH application key.
      - When not set, E(OVH_APPLICATION_KEY), then C(application_key) in the section of C(ovh.conf) named after the
        endpoint (for a URL endpoint, the section is the URL itself).
    type: str
  application_secret:
    description:
      - The OVH application secret.
      - When not set, E(OVH_APPLICATION_SECRET), then C(ovh.conf) as for O(application_key).
    type: str
  consumer_key:
    description:
      - The OVH consumer key. Its access rules decide what the module may do; least rights for this collection
        are C(GET /hosting/web), C(GET /hosting/web/*), and for changes C(PUT /hosting/web/*/email) and
        C(POST /hosting/web/*/email/request).
      - When not set, E(OVH_CONSUMER_KEY), then C(ovh.conf) as for O(application_key).
    type: str
  client_id:
    description:
      - The client id of an OVH OAuth2 service account, instead of O(application_key), O(application_secret) and
        O(consumer_key); setting both sets (as options, variables or in C(ovh.conf)) is refused before any call.
      - The IAM policies of the service account decide what the module may do; least rights for this collection
        are the actions C(webHosting:apiovh:get) and C(webHosting:apiovh:email/get), with bounces and volumes
        C(webHosting:apiovh:email/bounces/get) and C(webHosting:apiovh:email/volumes/get), and for changes
        C(webHosting:apiovh:email/edit) and C(webHosting:apiovh:email/request/create), on the hostings'
        resources (C(urn:v1:eu:resource:webHosting:<serviceName>)).
      - An access token is requested at the first call (C(/auth/oauth2/token) beside C(/1.0) for a URL endpoint)
        and renewed before it expires, or when OVH refuses it.
      - When not set, E(OVH_CLIENT_ID), then C(client_id) in C(ovh.conf) as for O(application_key).
      - Needs the python library C(ovh) 1.2.0 or newer. Plain C(http://) is refused except on loopback.
    type: str
  client_secret:
    description:
      - The client secret of the OVH OAuth2 service account of O(client_id).
      - When not set, E(OVH_CLIENT_SECRET), then C(client_secret) in C(ovh.conf) as for O(application_key).
    type: str
  timeout:
    description:
      - The deadline, in seconds, of each HTTP attempt of a call, at most 86400. It bounds the whole exchange,
        from connecting (TCP and TLS) and sending the request to the last byte of the answer, headers and body.
        A server that answers slowly, a byte at a time, is cut at the deadline like one that does not answer, and
        the call fails with "no complete answer from HOST:PORT within N s", or is retried (see O(retries)).
      - Each retry has a deadline of its own, so a call whose every attempt times out takes up to (O(retries) + 1)
        times O(timeout), plus the back-off between attempts. Waiting for the rate limit is not counted.
      - Name resolution (DNS) is not bounded by it. A host name with several addresses is connected to one
        address after another, each given the time left.
    type: int
    default: 30
  retries:
    description:
      - How many times a call is retried, with exponential back-off and jitter, after a 5xx, an answer that is
        not JSON, a connection error or a timeout.
      - An HTTP 429 (the request was not processed) is retried apart, after its C(Retry-After), up to 10 times
        in a row, without using up these retries; V(0) retries nothing, not even a 429.
      - Reads and updates are retried as such. A state change request (C(POST .../email/request)) is never sent
        again blindly after a failure that may have been applied; the e-mail state is read again first.
    type: int
    default: 4
  rate_limit:
    description:
      - At most this many API requests per second, shared by every concurrent request of the module.
      - Not set means no client-side limit. An HTTP 429 slows every request of the module down, limit or not.
    type: float
requirements:
  - python >= 3.11
  - ovh >= 1.0
notes:
  - Every failure names the hosting, the call, the HTTP status, the message of OVH and its query id (which OVH
    support asks for). A call refused for lack of rights names the access rule the consumer key needs, or the IAM
    action the service account needs.
"""
