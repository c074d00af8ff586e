using ModelRegistry.Contracts.Promotion;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// Plays an incident responder: asks for a break-glass rollback as <c>mreg rollback</c> does, a <see cref="RequestRollback"/>
/// with a new rollback id, and waits on its own queue for the outcome.
/// </summary>
internal sealed class OnCallActor(DemoBroker broker, DemoInbox inbox, DemoLog log, TimeSpan timeout)
{
    public const string Name = "oncall";
    /// <summary>Its inbox: <c>&lt;user&gt;.demo-oncall</c>, e.g. mreg-operator.demo-oncall (the release manager shares the user).</summary>
    public const string InboxPurpose = "demo-oncall";
    public const string Responder = "demo-oncall";
    public static readonly IReadOnlyList<Type> Events = [typeof(ModelVersionRolledBack), typeof(RollbackRejected)];

    /// <summary>Rolls <paramref name="model"/> back from <paramref name="fromVersion"/>, the production version the incident is about.</summary>
    public async Task<ModelVersionRolledBack> RollbackAsync(string model, int fromVersion, string incident, string reason, CancellationToken ct)
    {
        var request = new RequestRollback
        {
            RollbackId = Guid.NewGuid(),
            ModelName = model,
            IncidentId = incident,
            FromVersion = fromVersion,
            RequestedBy = Responder,
            Reason = reason,
        };
        await broker.PublishAsync(Name, request, ct);
        log.Line(Name, $"incident {incident}: {reason}; rollback of {model} requested");
        var outcome = await inbox.WaitAsync(e => e switch
        {
            ModelVersionRolledBack r => r.RollbackId == request.RollbackId,
            RollbackRejected r => r.RollbackId == request.RollbackId,
            _ => false,
        }, timeout, ct);
        switch (outcome)
        {
            case ModelVersionRolledBack done:
                log.Line(Name, $"{model} v{done.RestoredVersion} is production again, v{done.RetiredVersion} retired " +
                    $"(break-glass: no approval waited for; review by {(done.ReviewRoles.Count == 0 ? "nobody" : string.Join(", ", done.ReviewRoles))})");
                return done;
            case RollbackRejected rejected:
                throw new DemoFailure(Name, $"the rollback of {model} was refused: {rejected.ReasonCode}: {rejected.Message}");
            default:
                throw new DemoFailure(Name, $"no outcome of rollback {request.RollbackId} of {model} within {PromotionCommands.Format(timeout)}: " +
                    "is the registry running? (./mreg status)");
        }
    }
}
