using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Promotion;

namespace ModelRegistry.Cli;

/// <summary>
/// <c>mreg approvals resend</c>: checks (read-only) that the promotion waits for approval, then publishes
/// <see cref="ResendApprovalRequest"/>. The promotion worker publishes the ApprovalRequested again and records who asked
/// (audit approval.resent): the saga stays the only writer of a promotion and of what it sends.
/// </summary>
public static class ApprovalsCommand
{
    public static async Task<int> ResendAsync(CliSettings settings, string id, string requestedBy, bool json, TextWriter output, CancellationToken ct)
    {
        var (found, detail) = await PromotionCommands.FindOrFailAsync(settings, id, ct);
        if (detail is null) return found;
        var promotionId = detail.PromotionId;
        if (detail.State != "AwaitingApproval")
            return await PromotionCommands.FailAsync(
                $"promotion {promotionId} is {detail.State}, not waiting for approval; nothing to resend", 1);
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            await broker.PublishAsync(new ResendApprovalRequest { PromotionId = promotionId, RequestedBy = requestedBy }, ct);
        }
        catch (CliBrokerRefusal e)
        {
            return await PromotionCommands.FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await PromotionCommands.FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
        if (json) CliJson.Write(output, new ResendRequested(promotionId, requestedBy));
        else
            output.WriteLine($"resend of the approval request of promotion {promotionId} ({detail.ModelName}/{detail.Version} -> {detail.TargetStage}) " +
                "sent; the promotion worker publishes it again to every integration's queue");
        return 0;
    }
}
