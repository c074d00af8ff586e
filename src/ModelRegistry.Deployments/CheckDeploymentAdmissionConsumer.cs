using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// Answers a serving platform's <see cref="CheckDeploymentAdmission"/> with <see cref="DeploymentAdmitted"/> or
/// <see cref="DeploymentDenied"/> (docs/deployments.md, "Admission check"): one read for the facts, the policy in memory,
/// no inbox or outbox (it changes nothing; a repeated request gets the answer of its moment).
/// </summary>
public sealed class CheckDeploymentAdmissionConsumer(NpgsqlDataSource dataSource, EnvironmentPolicy policy, TimeProvider clock,
    ILogger<CheckDeploymentAdmissionConsumer> logger) : IConsumer<CheckDeploymentAdmission>
{
    public async Task Consume(ConsumeContext<CheckDeploymentAdmission> context)
    {
        var request = context.Message;
        var version = DeploymentRules.Validate(request) is null
            ? await DatabaseResilience.Pipeline.ExecuteAsync(
                async token => await ServingStageQueries.AdmissionVersionAsync(dataSource, request, token), context.CancellationToken)
            : null;
        var answer = AdmissionDecision.Decide(request, version, policy, clock.GetUtcNow());
        if (answer is DeploymentDenied denied)
        {
            logger.LogInformation("Denied {Artifact} on {Endpoint} ({Environment}): {Reasons}", denied.ManifestDigest ?? $"{denied.ModelName} v{denied.Version}",
                request.EndpointId, request.Environment, string.Join(", ", denied.Reasons.Select(r => r.Code)));
            await RequestResponder.RespondAsync(context, denied);
        }
        else
            await RequestResponder.RespondAsync(context, (DeploymentAdmitted)answer);
    }
}
