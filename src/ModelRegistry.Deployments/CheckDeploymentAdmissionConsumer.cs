using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Identity;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// Answers a serving platform's <see cref="CheckDeploymentAdmission"/> with <see cref="DeploymentAdmitted"/> or
/// <see cref="DeploymentDenied"/> (docs/deployments.md, "Admission check"): one read for the facts, the policy in memory,
/// no inbox or outbox (it changes nothing; a repeated request gets the answer of its moment). Only a serving principal of
/// the environment asked about may ask: anyone else is denied (unauthenticated, not_permitted) without a read.
/// </summary>
public sealed class CheckDeploymentAdmissionConsumer(NpgsqlDataSource dataSource, EnvironmentPolicy policy, AccessPolicy access,
    IMessagePrincipal principals, TimeProvider clock, ILogger<CheckDeploymentAdmissionConsumer> logger) : IConsumer<CheckDeploymentAdmission>
{
    public async Task Consume(ConsumeContext<CheckDeploymentAdmission> context)
    {
        var request = context.Message;
        var principal = principals.SenderOf(context);
        var invalid = DeploymentRules.Validate(request);
        // An invalid request is denied with its own reason (the environment it names may be no name at all).
        var refused = AccessRules.Unauthenticated(principal) ?? (invalid is null ? DeploymentRules.Sender(principal, request.Environment, access) : null);
        var version = invalid is null && refused is null
            ? await DatabaseResilience.Pipeline.ExecuteAsync(
                async token => await ServingStageQueries.AdmissionVersionAsync(dataSource, request, token), context.CancellationToken)
            : null;
        var answer = refused is not null ? AdmissionDecision.Refused(request, refused, clock.GetUtcNow()) : AdmissionDecision.Decide(request, version, policy, clock.GetUtcNow());
        if (answer is DeploymentDenied denied)
        {
            logger.LogInformation("Denied {Artifact} on {Endpoint} ({Environment}) to {Principal}: {Reasons}",
                denied.ManifestDigest ?? $"{denied.ModelName} v{denied.Version}", request.EndpointId, request.Environment, principal ?? "(none)",
                string.Join(", ", denied.Reasons.Select(r => r.Code)));
            await RequestResponder.RespondAsync(context, denied);
        }
        else
            await RequestResponder.RespondAsync(context, (DeploymentAdmitted)answer);
    }
}
