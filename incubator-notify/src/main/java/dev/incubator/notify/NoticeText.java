package dev.incubator.notify;

import java.util.Locale;

/**
 * A notice in words, in English or Simplified Chinese: a one-line title and a body that says what to do next (with
 * the command that does it). Rendered when read, so the same notice reads in each reader's language.
 */
public final class NoticeText {
    /** A notice's title and body. */
    public record Text(String title, String body) {
    }

    private NoticeText() {
    }

    /** The language for an {@code Accept-Language} header or a CLI locale: Chinese for zh*, else English. */
    public static Locale language(String acceptLanguage) {
        if (acceptLanguage == null) {
            return Locale.ENGLISH;
        }
        for (String part : acceptLanguage.split(",")) {
            String tag = part.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (tag.startsWith("zh")) {
                return Locale.SIMPLIFIED_CHINESE;
            }
            if (tag.startsWith("en")) {
                return Locale.ENGLISH;
            }
        }
        return Locale.ENGLISH;
    }

    public static Text render(Notice notice, Locale locale) {
        boolean zh = locale.getLanguage().equals("zh");
        return switch (notice.kind()) {
            case ACCESS_REQUEST -> accessRequest(notice, zh);
            case ACCESS_DECISION -> accessDecision(notice, zh);
            case GRANT_THRESHOLD -> grantThreshold(notice, zh);
            case JOB_FAILED -> jobFailed(notice, zh);
        };
    }

    private static Text accessRequest(Notice notice, boolean zh) {
        String repository = notice.param("repository");
        String agreement = notice.param("agreement");
        String decide = "incubator access approve " + repository + " " + agreement + " --expires-on YYYY-MM-DD";
        String deny = "incubator access deny " + repository + " " + agreement + " --reason TEXT";
        if (zh) {
            return new Text(notice.param("requester") + " 申请访问 " + repository,
                    "用途：" + notice.param("purpose") + "。批准：" + decide + "；拒绝：" + deny
                            + "；查看申请：incubator access list " + repository);
        }
        return new Text(notice.param("requester") + " asks for access to " + repository,
                "Purpose: " + notice.param("purpose") + ". Approve with '" + decide + "' or deny with '" + deny
                        + "'; see the request with 'incubator access list " + repository + "'.");
    }

    private static Text accessDecision(Notice notice, boolean zh) {
        String repository = notice.param("repository");
        String decision = notice.param("decision");
        String reason = notice.param("reason");
        String expires = notice.param("expires_on");
        if (zh) {
            String title = switch (decision) {
                case "approved" -> "您对 " + repository + " 的访问申请已批准";
                case "denied" -> "您对 " + repository + " 的访问申请被拒绝";
                default -> "您对 " + repository + " 的访问权限已被撤销";
            };
            StringBuilder body = new StringBuilder("决定人：").append(notice.param("by"));
            if (!expires.isEmpty()) {
                body.append("；有效期至 ").append(expires);
            }
            if (!reason.isEmpty()) {
                body.append("；理由：").append(reason);
            }
            if (decision.equals("approved")) {
                body.append("；下载前请阅读条款：incubator access list");
            }
            return new Text(title, body.append("。").toString());
        }
        String title = switch (decision) {
            case "approved" -> "Your access request to " + repository + " was approved";
            case "denied" -> "Your access request to " + repository + " was denied";
            default -> "Your access to " + repository + " was revoked";
        };
        StringBuilder body = new StringBuilder("Decided by ").append(notice.param("by"));
        if (!expires.isEmpty()) {
            body.append("; valid until ").append(expires);
        }
        if (!reason.isEmpty()) {
            body.append("; reason: ").append(reason);
        }
        if (decision.equals("approved")) {
            body.append("; read the terms with 'incubator access list' before you pull");
        }
        return new Text(title, body.append('.').toString());
    }

    private static Text grantThreshold(Notice notice, boolean zh) {
        String organisation = notice.param("organisation");
        String grant = notice.param("grant");
        boolean exhausted = notice.param("percent").equals("100");
        if (zh) {
            return new Text(organisation + " 的资助 " + grant + " 已使用 " + notice.param("percent") + "%",
                    "已用 " + notice.param("used_percent") + "% 的 GPU 时。" + (exhausted
                            ? "新作业只能作为可被抢占的借用作业运行；请联系运营人员追加时数（incubator grant adjust）。"
                            : "查看余额与预计耗尽日期：incubator grant show " + organisation + " " + grant));
        }
        return new Text("Grant " + grant + " of " + organisation + " is " + notice.param("percent") + " % used",
                notice.param("used_percent") + " % of its GPU-hours are used. " + (exhausted
                        ? "New jobs run only as borrowed, preemptible work; ask an operator for more hours (incubator"
                        + " grant adjust)." : "See the balance and projected exhaustion with 'incubator grant show "
                        + organisation + " " + grant + "'."));
    }

    private static Text jobFailed(Notice notice, boolean zh) {
        String job = notice.param("job");
        boolean timeout = notice.param("state").equals("timeout");
        if (zh) {
            return new Text("作业 " + notice.param("name") + "（" + job + "）" + (timeout ? "超时" : "失败"),
                    sentence(notice.param("message")) + "。查看日志：incubator job logs " + job);
        }
        return new Text("Job " + notice.param("name") + " (" + job + ") " + (timeout ? "ran out of time" : "failed"),
                sentence(notice.param("message")) + ". See its logs with 'incubator job logs " + job + "'.");
    }

    private static String sentence(String text) {
        String stripped = text.strip();
        while (stripped.endsWith(".") || stripped.endsWith("。")) {
            stripped = stripped.substring(0, stripped.length() - 1);
        }
        return stripped;
    }
}
