using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;

namespace ModelRegistry.Cli;

// `mreg cancel`: checks (read-only) that the promotion is open, then publishes CancelPromotion; never waits.
internal static class CancelCommand
{
    public static async Task<int> RunAsync(CliSettings settings, string id, string? reason, string cancelledBy, bool json, TextWriter output,
        CancellationToken ct)
    {
        var (found, detail) = await PromotionCommands.FindOrFailAsync(settings, id, ct);
        if (detail is null) return found;
        var promotionId = detail.PromotionId;
        if (!detail.Open)
            return await PromotionCommands.FailAsync($"promotion {promotionId} is over ({detail.State}{(detail.OutcomeCode is null ? "" : $": {detail.OutcomeCode}")}); nothing to cancel", 1);
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            await broker.PublishAsync(new CancelPromotion { PromotionId = promotionId, CancelledBy = cancelledBy, Reason = reason ?? "" }, ct);
        }
        catch (CliBrokerRefusal e)
        {
            return await PromotionCommands.FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await PromotionCommands.FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
        if (json) CliJson.Write(output, new CancelRequested(promotionId, cancelledBy));
        else output.WriteLine($"cancellation of promotion {promotionId} ({detail.ModelName}/{detail.Version} -> {detail.TargetStage}) sent");
        return 0;
    }
}
