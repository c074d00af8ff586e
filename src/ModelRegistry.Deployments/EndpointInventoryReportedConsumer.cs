using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Deployments;

/// <summary>
/// Heartbeats (<see cref="EndpointInventoryReported"/>) in batches (docs/deployments.md, "Inventory (heartbeats) and shadow
/// models"): refused ones are kept with their reason; one the cache knows unchanged costs nothing; for the rest the
/// endpoints' open intervals are read in one query, the unchanged ones move their endpoint's last-reported time in one
/// multi-row write for the whole batch, and the ones that change the history are recorded as inventory events (which
/// opens and closes observed intervals and notes shadow models). Redelivery changes nothing: touches only move times
/// forward, and a recorded heartbeat is stored once by its content key. Each heartbeat's sender must be a serving principal
/// of its environment (one dictionary lookup); one that places a known endpoint in another environment is refused by the
/// store unless its sender serves the recorded one too (docs/deployments.md, "Serving principals").
/// </summary>
public sealed class EndpointInventoryReportedConsumer(DeploymentStore store, InventoryStore inventory, InventoryCache cache, AccessPolicy access,
    IMessagePrincipal principals, TimeProvider clock, ILogger<EndpointInventoryReportedConsumer> logger) : IConsumer<Batch<EndpointInventoryReported>>
{
    // Endpoints whose heartbeats are recorded side by side (each its own transaction); one endpoint's are in order.
    private const int RecordParallelism = 4;

    public async Task Consume(ConsumeContext<Batch<EndpointInventoryReported>> context)
    {
        var now = clock.GetUtcNow();
        var pending = new List<Heartbeat>(context.Message.Length);
        foreach (var message in context.Message)
        {
            var heartbeat = message.Message;
            // Each heartbeat has its own sender: a refused one is kept with its reason, the rest of the batch goes on.
            var principal = principals.SenderOf(message);
            if ((AccessRules.Unauthenticated(principal) ?? DeploymentRules.Validate(heartbeat)
                    ?? DeploymentRules.Sender(principal, heartbeat.Environment, access)) is { } refused)
            {
                await store.RejectAsync(nameof(EndpointInventoryReported), heartbeat.EndpointId, null, refused, principal, heartbeat, message.MessageId,
                    now, context.CancellationToken);
                logger.LogWarning("Refused EndpointInventoryReported of {Endpoint} from {Principal}: {Reason} {Message}", heartbeat.EndpointId,
                    principal ?? "(none)", refused.ReasonCode, refused.Message);
                continue;
            }
            var input = DeploymentInput.From(heartbeat, principal);
            var signature = HeartbeatRules.Signature(input);
            if (!cache.CanSkip(input.EndpointId, signature, input.At)) pending.Add(new Heartbeat(input, signature, message.MessageId));
        }
        if (pending.Count == 0) return;

        var endpoints = pending.GroupBy(h => h.Input.EndpointId, StringComparer.Ordinal).ToList();
        var states = await inventory.LoadAsync(endpoints.Select(g => g.Key).ToList(), context.CancellationToken);
        var touches = new ConcurrentBag<(InventoryTouch Touch, string Signature, DateTimeOffset? Stored)>();
        var recorded = 0;
        await Parallel.ForEachAsync(endpoints, new ParallelOptions { MaxDegreeOfParallelism = RecordParallelism, CancellationToken = context.CancellationToken },
            async (group, token) =>
            {
                var (touch, count) = await HandleEndpointAsync(group.OrderBy(h => h.Input.At).ToList(), states.GetValueOrDefault(group.Key), now, token);
                if (touch is not null) touches.Add(touch.Value);
                Interlocked.Add(ref recorded, count);
            });

        var written = touches.ToList();
        await inventory.TouchAsync(written.Select(t => t.Touch).ToList(), cache.Granularity, context.CancellationToken);
        foreach (var (touch, signature, stored) in written)
            cache.Remember(touch.EndpointId, signature, HeartbeatRules.LastReportedAfterTouch(stored, touch.ReportedAt, cache.Granularity));
        logger.LogDebug("Heartbeats: {Count} in the batch, {Read} read, {Recorded} recorded, {Touched} endpoints touched",
            context.Message.Length, pending.Count, recorded, written.Count);
    }

    /// <summary>
    /// One endpoint's heartbeats of the batch, oldest first: each that changes the history is recorded (and what it
    /// leaves open is what the next one is compared with); the latest unchanged one is returned as the endpoint's touch.
    /// </summary>
    private async Task<((InventoryTouch, string, DateTimeOffset?)? Touch, int Recorded)> HandleEndpointAsync(List<Heartbeat> heartbeats,
        EndpointInventoryState? state, DateTimeOffset now, CancellationToken token)
    {
        Heartbeat? latestUnchanged = null;
        var recorded = 0;
        var stale = false;
        foreach (var heartbeat in heartbeats)
        {
            if (!stale && HeartbeatRules.Decide(state, heartbeat.Input) == HeartbeatAction.Touch)
            {
                latestUnchanged = heartbeat;
                continue;
            }
            // An unchanged heartbeat older than this one has nothing left to write: recording this one moves the times further.
            latestUnchanged = null;
            var result = await store.RecordAsync(heartbeat.Input, heartbeat.MessageId, now, token);
            recorded++;
            if (result.Outcome != DeploymentOutcome.Recorded)
            {
                // A duplicate or a redelivery says nothing of what is open now: the endpoint's later heartbeats of this batch are recorded too.
                stale = true;
                cache.Forget(heartbeat.Input.EndpointId);
                continue;
            }
            var at = heartbeat.Input.At;
            state = new EndpointInventoryState(heartbeat.Input.Environment, result.Open.Select(o => o.Interval).ToList(),
                result.Open.Where(o => o.Version is null && o.Interval.Digest is not null).Select(o => o.Interval.Digest!).ToHashSet(StringComparer.Ordinal),
                state?.LastStoredEventAt is { } last && last > at ? last : at,
                state?.LastReportedAt is { } reported && reported > at ? reported : at);
            // Cached only when the history now says what the heartbeat says (not so when it was older than other events).
            if (!DeploymentHistory.InventoryChanges(state.Open, heartbeat.Input.Served ?? []))
                cache.Remember(heartbeat.Input.EndpointId, heartbeat.Signature, state.LastReportedAt!.Value);
            else
                cache.Forget(heartbeat.Input.EndpointId);
        }
        if (latestUnchanged is not { } latest || stale) return (null, recorded);
        var input = latest.Input;
        var shadows = (input.Served ?? []).Select(s => s.Digest).Where(d => state?.UnregisteredDigests.Contains(d) == true).ToList();
        return ((new InventoryTouch(input.EndpointId, input.Environment, input.Platform, input.At, shadows), latest.Signature, state?.LastReportedAt), recorded);
    }

    private sealed record Heartbeat(DeploymentInput Input, string Signature, Guid? MessageId);
}
