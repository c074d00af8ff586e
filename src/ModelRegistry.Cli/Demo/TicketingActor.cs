using System.Collections.Concurrent;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Approvals;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// Plays the <c>dev</c> ticketing integration (docs/ticketing.md): reads <see cref="ApprovalRequested"/> from the durable
/// queue <c>ticketing.dev</c>, opens a ticket, and sends each approver's decision as an <see cref="ApprovalDecided"/>
/// signed with the integration's secret. It decides only the requests the demo's release manager announced
/// (<see cref="Expect"/>); any other request in the queue (a person's own promotion, an earlier run's) is left there,
/// unacknowledged, and goes back to the queue when the demo disconnects. Standing (<c>mreg demo ticketing</c>,
/// <see cref="StartStandingAsync"/>) it decides every other request instead, by <see cref="StandInDecision"/>, until stopped.
/// </summary>
internal sealed class TicketingActor : IAsyncDisposable
{
    public const string Name = "ticketing";
    public const string Queue = $"ticketing.{DemoSettings.Integration}";

    private static readonly TimeSpan RequeuePause = TimeSpan.FromSeconds(1);

    private readonly DemoBroker broker;
    private readonly DemoLog log;
    private readonly DemoSettings settings;
    private readonly IChannel channel;
    private readonly ConcurrentDictionary<Guid, TicketDecision> expected = new();
    private readonly ConcurrentDictionary<Guid, bool> seen = new();
    private readonly CancellationTokenSource failed = new();
    private readonly bool standing;

    private TicketingActor(DemoBroker broker, DemoLog log, DemoSettings settings, IChannel channel, bool standing)
    {
        this.broker = broker;
        this.log = log;
        this.settings = settings;
        this.channel = channel;
        this.standing = standing;
    }

    /// <summary>Why the actor stopped deciding, once it has; <see cref="Failed"/> is cancelled then.</summary>
    public DemoFailure? Failure { get; private set; }

    public CancellationToken Failed => failed.Token;

    public static Task<TicketingActor> StartAsync(DemoBroker broker, DemoLog log, DemoSettings settings, CancellationToken ct) =>
        StartAsync(broker, log, settings, standing: false, ct);

    /// <summary>The actor as a development stand-in for people: it decides every request but the demo's own, until disposed.</summary>
    public static Task<TicketingActor> StartStandingAsync(DemoBroker broker, DemoLog log, DemoSettings settings, CancellationToken ct) =>
        StartAsync(broker, log, settings, standing: true, ct);

    private static async Task<TicketingActor> StartAsync(DemoBroker broker, DemoLog log, DemoSettings settings, bool standing, CancellationToken ct)
    {
        await EnsureQueueAsync(broker, ct);
        var channel = await broker.CreateChannelAsync(ct);
        var actor = new TicketingActor(broker, log, settings, channel, standing);
        // No prefetch limit: requests it leaves alone stay unacknowledged and must not block the ones it decides.
        await channel.BasicQosAsync(0, 0, false, ct);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += actor.OnRequestAsync;
        await channel.BasicConsumeAsync(Queue, autoAck: false, consumer, ct);
        return actor;
    }

    /// <summary>
    /// The registry declares <c>ticketing.dev</c>, bound to <c>mreg.approval-requested</c>, at start for its configured
    /// integration; the ticketing user may read it but not declare it (compose/broker-users.json), so the actor only checks
    /// (a passive declare) that it is there.
    /// </summary>
    private static async Task EnsureQueueAsync(DemoBroker broker, CancellationToken ct)
    {
        await using var probe = await broker.CreateChannelAsync(ct);
        try
        {
            await probe.QueueDeclarePassiveAsync(Queue, ct);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            throw new DemoFailure(Name, $"queue {Queue} does not exist: the registry declares it at start for its {DemoSettings.Integration} " +
                $"integration; start the registry (./run.sh) with {DemoSettings.SecretSetting} set");
        }
    }

    /// <summary>The release manager is about to request <paramref name="promotionId"/>; its approvers will decide so.</summary>
    public void Expect(Guid promotionId, TicketDecision decision) => expected[promotionId] = decision;

    /// <summary>
    /// What the standing actor decides: nothing on the demo release manager's requests (a running <c>mreg demo</c> expects its
    /// own decisions); a rejection when the evidence holds a high or critical security finding; else an approval, since the
    /// registry asks for approval only once the stage's gates passed.
    /// </summary>
    public static TicketDecision? StandInDecision(ApprovalRequested request)
    {
        if (string.Equals(request.RequestedBy, ReleaseManagerActor.Requester, StringComparison.OrdinalIgnoreCase)) return null;
        var evidence = request.Evidence;
        if (evidence.SecurityFindings.FirstOrDefault(f => f.Severity is "high" or "critical") is { } finding)
            return TicketDecision.Reject($"{finding.Severity} security finding {finding.Id} ({finding.Title}); fix it first. (mreg demo ticketing, a development stand-in)");
        return TicketDecision.Approve($"{evidence.GatesPassed.Count} gates passed. (mreg demo ticketing, a development stand-in for the approvers)");
    }

    private static string Ticket(Guid promotionId) => $"DEV-{promotionId.ToString("N")[..8]}";

    private async Task OnRequestAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (CliBroker.Read(delivery.Exchange, delivery.Body)?.Message is not ApprovalRequested request)
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            return;
        }
        if (!ApprovalRequestSignature.Verify(request, DemoSettings.Integration, settings.TicketingSecret))
        {
            // Not the registry's (or signed with another secret): never answered, as docs/ticketing.md asks of integrations;
            // left unacknowledged, so a misconfigured demo does not take a real request out of the queue.
            if (seen.TryAdd(request.PromotionId, true))
                log.Line(Name, $"{Ticket(request.PromotionId)}: a request for {request.ModelName} v{request.Version} -> {request.TargetStage} " +
                    $"carries no valid registry signature for integration {DemoSettings.Integration}: not answered (do the host and mreg share " +
                    $"{DemoSettings.SecretSetting}?)");
            return;
        }
        var first = seen.TryAdd(request.PromotionId, true);
        var decision = standing ? StandInDecision(request) : expected.GetValueOrDefault(request.PromotionId);
        if (standing && decision is null)
        {
            if (first)
                log.Line(Name, $"{Ticket(request.PromotionId)}: {request.ModelName} v{request.Version} -> {request.TargetStage} was requested " +
                    $"by the demo's {request.RequestedBy}: left in {Queue} for the mreg demo run that expects it");
            _ = RequeueLaterAsync(delivery.DeliveryTag);
            return;
        }
        if (decision is null)
        {
            if (first)
                log.Line(Name, $"{Ticket(request.PromotionId)}: {request.ModelName} v{request.Version} -> {request.TargetStage}, requested by " +
                    $"{request.RequestedBy}, is not part of this demo run: left in {Queue} for people to decide");
            return; // unacknowledged: back in the queue when the demo disconnects
        }
        // Delivery is at least once: a request that comes again was answered already.
        try
        {
            if (first && !Failed.IsCancellationRequested) await DecideAsync(request, decision);
        }
        catch (DemoFailure e)
        {
            Fail(e);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            Fail(new DemoFailure(Name, $"{Ticket(request.PromotionId)}: the broker connection failed: {e.Message}"));
        }
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
    }

    private async Task DecideAsync(ApprovalRequested request, TicketDecision decision)
    {
        var ticket = Ticket(request.PromotionId);
        var evidence = request.Evidence;
        log.Line(Name, $"{ticket} opened: {request.ModelName} v{request.Version} {request.FromStage} -> {request.TargetStage} " +
            $"({request.RiskTier} tier) needs {string.Join(" + ", request.RequiredRoles)}; {evidence.GatesPassed.Count} gates passed; " +
            $"production now {(evidence.ProductionVersion is { } p ? $"v{p}" : "none")}");
        var (signers, missing) = TicketSigners.Pick(request, settings.Approvers);
        if (signers is null)
        {
            Fail(new DemoFailure(Name, $"{ticket}: no configured approver can sign as {missing}: set Approvers__<person>__Roles__0={missing} " +
                "for the host and mreg alike (./run.sh sets dev approvers for every role of the promotion policy)"));
            return;
        }
        // One counted rejection rejects the promotion at once; an approval needs every signer.
        foreach (var (person, role) in decision.Approves ? signers : signers.Take(1))
        {
            var now = DateTimeOffset.UtcNow;
            var signed = ApprovalSignature.Sign(new ApprovalDecided
            {
                PromotionId = request.PromotionId,
                // What is approved, as the request names it, and the request's nonce: all signed (mreg-approval-v2).
                ModelName = request.ModelName,
                Version = request.Version,
                TargetStage = request.TargetStage,
                ManifestDigest = request.Evidence.ManifestDigest,
                Nonce = request.Nonce,
                Integration = DemoSettings.Integration,
                TicketId = ticket,
                Approver = person,
                Role = role,
                Decision = decision.Decision,
                Comment = decision.Comment,
                // Whole microseconds: the body shows exactly the instant that is signed.
                DecidedAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero),
            }, settings.TicketingSecret);
            await broker.PublishAsync(Name, signed, CancellationToken.None);
            log.Line(Name, $"{ticket}: {person} {decision.Decision} as {role}: \"{decision.Comment}\" (signed for integration {DemoSettings.Integration})");
        }
    }

    /// <summary>Back to the queue after a pause, where a running demo's own ticketing actor can take it (no tight redelivery loop).</summary>
    private async Task RequeueLaterAsync(ulong deliveryTag)
    {
        try
        {
            await Task.Delay(RequeuePause, failed.Token);
            await channel.BasicRejectAsync(deliveryTag, requeue: true);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || CliBroker.IsBrokerFailure(e))
        {
            // Stopping: the request goes back to the queue when the channel closes.
        }
    }

    private void Fail(DemoFailure failure)
    {
        if (standing)
        {
            // A person's request the stand-in cannot sign is left to expire; the next one may well be signable.
            log.Line(Name, failure.Message);
            return;
        }
        Failure ??= failure;
        failed.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (standing) await failed.CancelAsync(); // ends the pending requeues
        try
        {
            if (channel.IsOpen) await channel.CloseAsync();
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
        }
        await channel.DisposeAsync();
        failed.Dispose();
    }
}
