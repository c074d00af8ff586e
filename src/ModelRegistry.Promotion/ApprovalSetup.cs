using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Promotion;

/// <summary>
/// At start, before the bus: warns when the configured integrations and approvers cannot complete the approvals the
/// policy asks for (<see cref="ApprovalReadiness"/>), and declares each integration's queue (<see cref="TicketingQueues"/>).
/// A queue that cannot be declared stops the start: approval requests would otherwise be lost.
/// </summary>
public sealed class ApprovalSetup(PromotionSettings settings, RabbitMqOptions rabbit, ILogger<ApprovalSetup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var integrations = settings.Ticketing.Integrations.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var warning in ApprovalReadiness.Warnings(settings.Policy.Policy, integrations, settings.Approvers))
            logger.LogWarning("{Warning}", warning);
        try
        {
            await TicketingQueues.DeclareAsync(rabbit, integrations, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"Ticketing:Integrations: cannot declare the queues {string.Join(", ", integrations.Select(TicketingQueues.QueueOf))}: {e.Message}", e);
        }
        if (integrations.Count > 0)
            logger.LogInformation("Approval requests are kept for the ticketing integrations in {Queues}",
                string.Join(", ", integrations.Select(TicketingQueues.QueueOf)));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
