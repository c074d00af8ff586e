using Microsoft.Extensions.Configuration;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion;

/// <summary>Everything the promotion worker reads from configuration, loaded and validated in full at start.</summary>
public sealed record PromotionSettings(PromotionOptions Options, LoadedPromotionPolicy Policy, TicketingOptions Ticketing,
    ApproverDirectory Approvers)
{
    /// <summary>The settings, or one line per problem (each naming its setting, the policy's naming file and line).</summary>
    public static (PromotionSettings? Settings, IReadOnlyList<string> Errors) Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new SettingsBinder(configuration);
        var options = settings.Bind<PromotionOptions>(PromotionOptions.Section);
        var ticketing = settings.Bind<TicketingOptions>(TicketingOptions.Section);
        var approvers = settings.Bind<ApproversOptions>(ApproversOptions.Section);
        if (settings.Errors.Count > 0) return (null, settings.Errors);
        var (policy, policyErrors) = options.LoadPolicy();
        if (policy is null) return (null, policyErrors);
        return (new PromotionSettings(options, new LoadedPromotionPolicy(policy), ticketing, new ApproverDirectory(approvers)), []);
    }
}

/// <summary>Signature, integration and approver directory checks from configuration (docs/ticketing.md).</summary>
public sealed class ConfiguredApprovalAuthenticator(TicketingOptions ticketing, ApproverDirectory approvers) : IApprovalAuthenticator
{
    public Rejection? Check(ApprovalDecided decision) => ApprovalAuthentication.Check(decision, ticketing, approvers);
}
