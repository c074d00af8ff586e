using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Registration;
using ModelRegistry.Registration.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Registration;

/// <summary>
/// Turns a <see cref="ModelTrained"/> into a numbered model version: check who sent it, validate, verify and store the
/// artifact bytes, then write everything with the outgoing event in one transaction.
/// </summary>
public sealed class ModelTrainedConsumer(IArtifactStore artifacts, RegistrationStore registrations, IMessagePrincipal principals,
    AccessPolicy access, TimeProvider clock, ILogger<ModelTrainedConsumer> logger) : IConsumer<ModelTrained>
{
    public async Task Consume(ConsumeContext<ModelTrained> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        // Who before what: the sender's identity is a property the broker vouches for; the grant is a dictionary lookup.
        var principal = principals.SenderOf(context);
        if (Refusal(principal, message) is { } refused)
        {
            await RejectAsync(context, RegistrationRules.KeyOfRefused(message), refused, principal);
            return;
        }
        if (RegistrationRules.Validate(message) is { } invalid)
        {
            await RejectAsync(context, RegistrationRules.KeyOfRefused(message), invalid, principal);
            return;
        }
        var key = RegistrationRules.IdempotencyKey(message);
        var files = message.Artifact!.Files;
        var declaredDigest = ManifestDigest.Compute(files);

        // A re-published event whose version exists needs no second copy of its bytes. Asking costs a round trip to the
        // database, more than reading a small artifact again: small ones are asked about only when their sources cannot be
        // ingested (gone since, say), and otherwise the group transaction finds the duplicate under the model's lock.
        var declaredBytes = files.Sum(f => (double)Math.Max(0, f.Size));
        if (declaredBytes >= LookupFirstBytes && await AnnounceExistingAsync(context, key, declaredDigest)) return;

        var stored = new List<StoredFile>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var ingested = await artifacts.IngestAsync(files[i], $"artifact.files[{i}]", cancellationToken);
            if (ingested.Refusal is { } refusal)
            {
                if (declaredBytes < LookupFirstBytes && await AnnounceExistingAsync(context, key, declaredDigest)) return;
                await RejectAsync(context, key, refusal, principal);
                return;
            }
            stored.Add(new StoredFile(files[i], ingested.Sha256, ingested.Size));
        }

        var result = await registrations.RegisterAsync(message, key, declaredDigest, stored, context.MessageId, clock.GetUtcNow(), principal!, cancellationToken);
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

    /// <summary>Artifacts of at least this many declared bytes are looked up before they are read.</summary>
    public const long LookupFirstBytes = 1024 * 1024;

    /// <summary>Publishes the version this key already made with these files, if there is one.</summary>
    private async Task<bool> AnnounceExistingAsync(ConsumeContext<ModelTrained> context, string key, string declaredDigest)
    {
        var message = context.Message;
        if (await registrations.FindAsync(message.ModelName, key, context.CancellationToken) is not { } existing
            || existing.ManifestDigest != declaredDigest)
            return false;
        logger.LogInformation("{Model} {Key} already registered as version {Version}", message.ModelName, key, existing.Version);
        await context.Publish(existing, context.CancellationToken);
        return true;
    }

    /// <summary>Refused for who sent it: nobody the broker vouched for, or a principal that may not register for the owner team.</summary>
    private Rejection? Refusal(string? principal, ModelTrained message)
    {
        if (AccessRules.Unauthenticated(principal) is { } unauthenticated) return unauthenticated;
        var team = message.OwnerTeam ?? "";
        return access.MayRegisterFor(principal!, team)
            ? null
            : AccessRules.NotPermitted(principal!, $"register models for team {FieldRules.Shown(team)}");
    }

    private async Task RejectAsync(ConsumeContext<ModelTrained> context, string? key, Rejection rejection, string? principal)
    {
        logger.LogWarning("Refused registration of {Model} from {Principal}: {Reason} {Message}", context.Message.ModelName,
            principal ?? "(no user_id)", rejection.ReasonCode, rejection.Message);
        await registrations.RejectAsync(context.Message, key, rejection.ReasonCode, rejection.Message, context.MessageId,
            clock.GetUtcNow(), principal, context.CancellationToken);
    }
}
