// Judges AWS requests and GitHub OIDC tokens against IAM policies with a real evaluator,
// @cloud-copilot/iam-simulate (AGPL-3.0: a test-only tool here, never linked or shipped).
//
// stdin: {"account": "123456789012",
//         "identity_policies": [{"name": ..., "policy": {...}}],       the deploy role's policies
//         "principal": "arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION",
//         "requests": [{"action": "ecs:UpdateService", "resource": "arn:...", "context": {...}}],
//         "trust_policy": {...}, "role_arn": "...", "oidc_provider_arn": "...",
//         "tokens": [{"label": ..., "claims": {"token.actions.githubusercontent.com:sub": ...}}]}
// stdout: {"requests": [{..., "decision": "Allowed"|"ImplicitlyDenied"|..., "allowed_by": [Sid...], "errors": ...}],
//          "tokens": [{..., "decision": ...}]}
import { createValidatedPolicy } from '@cloud-copilot/iam-policy'
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const input = JSON.parse(await new Promise((resolve) => {
  let text = ''
  process.stdin.on('data', (chunk) => (text += chunk))
  process.stdin.on('end', () => resolve(text))
}))

const requests = []
for (const request of input.requests ?? []) {
  const response = await runSimulation({
    request: {
      principal: input.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: input.account },
      contextVariables: request.context ?? {}
    },
    identityPolicies: input.identity_policies,
    serviceControlPolicies: [],
    resourceControlPolicies: []
  }, {})
  if (response.resultType === 'error') {
    requests.push({ ...request, decision: 'Error', errors: response.errors })
    continue
  }
  // A context key the evaluator does not know for this action is dropped before evaluation: a
  // condition on it could never match. Report it instead of deciding without it.
  const ignored = response.resultType === 'single' ? response.result.ignoredContextKeys ?? []
    : response.results.flatMap((r) => r.ignoredContextKeys ?? [])
  const analyses = response.resultType === 'single' ? [response.result.analysis] : response.results.map((r) => r.analysis)
  const allowedBy = analyses.flatMap((a) => a?.identityAnalysis?.allowStatements ?? []).map((s) => s.statement.sid?.() ?? '(no Sid)')
  requests.push({ ...request, decision: response.overallResult, ignored_context_keys: [...new Set(ignored)],
    allowed_by: [...new Set(allowedBy)] })
}

// The trust policy is the role's resource policy for sts:AssumeRoleWithWebIdentity, asked by the
// OIDC provider. The evaluator's action data lists no GitHub claim keys for that action (IAM
// accepts any provider's "HOST:sub"/"HOST:aud"), so the strict entry point would drop them: the
// unvalidated one evaluates the claims as given. (It loads a plain resource policy without a name
// and then reads the name: handing it a named policy avoids that.)
const trustPolicy = input.trust_policy && createValidatedPolicy(input.trust_policy, () => [], { name: 'trust' })
const tokens = []
for (const token of input.tokens ?? []) {
  const result = runUnsafeSimulation({
    request: {
      principal: input.oidc_provider_arn,
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: { resource: input.role_arn, accountId: input.account },
      contextVariables: token.claims
    },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: trustPolicy
  }, {})
  tokens.push({ ...token, decision: typeof result === "string" ? result : result.result })
}

process.stdout.write(JSON.stringify({ requests, tokens }) + '\n')
