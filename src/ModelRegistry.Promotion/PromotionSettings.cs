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
        var directory = new ApproverDirectory(approvers);
        if (ticketing.Validate(directory).ToList() is { Count: > 0 } unknown) return (null, unknown);
        var (policy, policyErrors) = options.LoadPolicy();
        if (policy is null) return (null, policyErrors);
        return (new PromotionSettings(options, new LoadedPromotionPolicy(policy), ticketing, directory), []);
    }
}

/// <summary>Signature, integration, allow-list and approver directory checks, and request signatures, from configuration (docs/ticketing.md).</summary>
public sealed class ConfiguredApprovalAuthenticator(TicketingOptions ticketing, ApproverDirectory approvers) : IApprovalAuthenticator
{
    public Rejection? Check(ApprovalDecided decision) => ApprovalAuthentication.Check(decision, ticketing, approvers);

    public bool IsAuthentic(ApprovalDecided decision) => ApprovalAuthentication.IsAuthentic(decision, ticketing);

    public IReadOnlyDictionary<string, string> SignRequest(ApprovalRequested request) => ApprovalRequestSignature.ForEach(request, ticketing);

    public TimeSpan ClockSkew => ticketing.ClockSkew;
}
