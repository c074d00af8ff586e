using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

public enum ApprovalOutcome
{
    Waiting,
    Approved,
    Rejected,
}
