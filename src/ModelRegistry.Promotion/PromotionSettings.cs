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
        PromotionOptions options;
        TicketingOptions ticketing;
        ApproversOptions approvers;
        try
        {
            options = configuration.GetSection(PromotionOptions.Section).Get<PromotionOptions>() ?? new PromotionOptions();
            ticketing = configuration.GetSection(TicketingOptions.Section).Get<TicketingOptions>() ?? new TicketingOptions();
            approvers = configuration.GetSection(ApproversOptions.Section).Get<ApproversOptions>() ?? new ApproversOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key: "Failed to convert configuration value 'x' at 'Promotion:DefaultEvaluationTimeout' ..."
            return (null, [e.Message]);
        }
        var errors = options.Validate().Concat(ticketing.Validate()).Concat(approvers.Validate()).ToList();
        if (errors.Count > 0) return (null, errors);
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
