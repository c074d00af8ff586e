using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Evaluation.Rules;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Evaluation;

/// <summary>
/// Attaches an <see cref="EvaluationCompleted"/> to its model version, or refuses and keeps it. The sender is the broker's
/// validated user (docs/security.md): it must be one the access policy lets report the evaluation's suite. An
/// <c>evaluatedAt</c> further ahead of the registry's clock than <see cref="EvaluationOptions.MaxClockSkewSeconds"/> is refused.
/// </summary>
public sealed class EvaluationCompletedConsumer(EvaluationStore evaluations, EvaluationOptions options, AccessPolicy access,
    IMessagePrincipal principals, TimeProvider clock, ILogger<EvaluationCompletedConsumer> logger) : IConsumer<EvaluationCompleted>
{
    public async Task Consume(ConsumeContext<EvaluationCompleted> context)
    {
        var e = context.Message;
        var now = clock.GetUtcNow();
        var principal = principals.SenderOf(context);
        var refusal = EvaluationRules.Refusal(e, principal, access, now, options.MaxClockSkew);
        var result = refusal is not null
            ? await evaluations.RejectAsync(e, principal, refusal.ReasonCode, refusal.Message, context.MessageId, now, context.CancellationToken)
            : await evaluations.RecordAsync(e, principal!, EvaluationRules.MaxSeverity(e.SecurityFindings), context.MessageId, now,
                context.CancellationToken);
        if (result.Outcome == EvaluationOutcome.Rejected)
            logger.LogWarning("Refused evaluation {Evaluation} from {Principal}: {Reason} {Message}", e.EvaluationId, principal ?? "(none)",
                result.Rejected!.ReasonCode, result.Rejected.Message);
    }
}
