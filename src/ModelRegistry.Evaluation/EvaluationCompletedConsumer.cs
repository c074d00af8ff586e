using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Evaluation;
using ModelRegistry.Evaluation.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Evaluation;

/// <summary>Attaches an <see cref="EvaluationCompleted"/> to its model version, or refuses and keeps it.</summary>
public sealed class EvaluationCompletedConsumer(EvaluationStore evaluations, TimeProvider clock,
    ILogger<EvaluationCompletedConsumer> logger) : IConsumer<EvaluationCompleted>
{
    public async Task Consume(ConsumeContext<EvaluationCompleted> context)
    {
        var e = context.Message;
        var now = clock.GetUtcNow();
        var result = EvaluationRules.Validate(e) is { } invalid
            ? await evaluations.RejectAsync(e, invalid.ReasonCode, invalid.Message, context.MessageId, now, context.CancellationToken)
            : await evaluations.RecordAsync(e, EvaluationRules.MaxSeverity(e.SecurityFindings), context.MessageId, now, context.CancellationToken);
        if (result.Outcome == EvaluationOutcome.Rejected)
            logger.LogWarning("Refused evaluation {Evaluation}: {Reason} {Message}", e.EvaluationId, result.Rejected!.ReasonCode, result.Rejected.Message);
    }
}
