using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Domain;
using ModelRegistry.Persistence.Artifacts;
using ModelRegistry.Persistence.Registration;

namespace ModelRegistry.Components.Registration;

/// <summary>
/// Turns a <see cref="ModelTrained"/> into a numbered model version: validate, verify and store the
/// artifact bytes, then write everything with the outgoing event in one transaction.
/// </summary>
public sealed class ModelTrainedConsumer(IArtifactStore artifacts, RegistrationStore registrations, TimeProvider clock,
    ILogger<ModelTrainedConsumer> logger) : IConsumer<ModelTrained>
{
    public async Task Consume(ConsumeContext<ModelTrained> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        if (RegistrationRules.Validate(message) is { } invalid)
        {
            await RejectAsync(context, null, invalid);
            return;
        }
        var key = RegistrationRules.IdempotencyKey(message);
        var files = message.Artifact!.Files;
        var declaredDigest = ManifestDigest.Compute(files);

        // A re-published event whose version exists needs no second copy of its bytes.
        if (await registrations.FindAsync(message.ModelName, key, cancellationToken) is { } existing
            && existing.ManifestDigest == declaredDigest)
        {
            logger.LogInformation("{Model} {Key} already registered as version {Version}", message.ModelName, key, existing.Version);
            await context.Publish(existing, cancellationToken);
            return;
        }

        var stored = new List<StoredFile>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var ingested = await artifacts.IngestAsync(files[i], $"Artifact.Files[{i}]", cancellationToken);
            if (ingested.Refusal is { } refusal)
            {
                await RejectAsync(context, key, refusal);
                return;
            }
            stored.Add(new StoredFile(files[i], ingested.Sha256, ingested.Size));
        }

        var result = await registrations.RegisterAsync(message, key, declaredDigest, stored, context.MessageId, clock.GetUtcNow(), cancellationToken);
        switch (result.Outcome)
        {
            case RegistrationOutcome.Registered:
                logger.LogInformation("Registered {Model} version {Version} ({Digest})", message.ModelName, result.Registered!.Version, declaredDigest);
                break;
            case RegistrationOutcome.Duplicate:
                await context.Publish(result.Registered!, cancellationToken);
                break;
            case RegistrationOutcome.Rejected:
                logger.LogWarning("Refused {Model}: {Reason} {Message}", message.ModelName, result.Rejected!.ReasonCode, result.Rejected.Message);
                break;
        }
    }

    private async Task RejectAsync(ConsumeContext<ModelTrained> context, string? key, Rejection rejection)
    {
        logger.LogWarning("Refused registration of {Model}: {Reason} {Message}", context.Message.ModelName, rejection.ReasonCode, rejection.Message);
        await registrations.RejectAsync(context.Message, key, rejection.ReasonCode, rejection.Message, context.MessageId,
            clock.GetUtcNow(), context.CancellationToken);
    }
}
