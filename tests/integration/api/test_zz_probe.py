from tests.integration.api._helpers import *

DOC = '{\n  node(id: "\U000e7d9b") {\n    ... on Handoff {\n      deliveredAt\n    }\n    ... on Person {\n      isWorkingNow(at: null)\n    }\n    ... on Team {\n      members {\n        createdAt\n      }\n    }\n    ... on WorkItem {\n      status\n      holder {\n        createdAt\n      }\n      handoffs {\n        explanation\n        completedAt\n      }\n    }\n    ... on Workspace {\n      remindersBeforeEscalation\n    }\n  }\n  inbox(personId: "V29ya0l0ZW06MQ", first: -1390, after: ">\\u0096") {\n    nodes {\n      status\n    }\n  }\n  nextReachable(\n    personIds: null\n    teamId: "¶5´4e\U000662da§\\u0010"\n    at: "0089-05-14T16:30:22.000107+00:19:32"\n  ) {\n    ... on NotFound {\n      message\n    }\n  }\n  teamTimeline(\n    from: "\\f\U000bb77c"\n    to: "0732-02-07T19:00:57.004560+00:19:32"\n    teamId: "ÖªH"\n    personIds: null\n  ) {\n    ... on TeamTimeline {\n      overlapTotal\n    }\n    ... on ValidationError {\n      message\n    }\n  }\n  webhookEndpoints {\n    updatedAt\n  }\n}'


async def test_probe(gql):
    for _ in range(2):
        r = await gql.raw(DOC)
        print(r.status_code, r.text[:1500])
