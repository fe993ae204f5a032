package dev.incubator.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The risk taxonomy of the generated-content safety assessment: the 5 categories and 31 risks of TC260-003 (Basic
 * security requirements for generative artificial intelligence service, appendix A; now GB/T 45654-2025), each with
 * its code (A.1.1 ... A.5.2) and its name in Chinese and English. Banks map their own categories onto these codes.
 */
public final class SafetyTaxonomy {
    public record Risk(String code, String category, String zh, String en) {
    }

    public record Category(String code, String zh, String en) {
    }

    public static final List<Category> CATEGORIES = List.of(
            new Category("A.1", "违反社会主义核心价值观的内容", "content violating the core socialist values"),
            new Category("A.2", "歧视性内容", "discriminatory content"),
            new Category("A.3", "商业违法违规", "commercial violations"),
            new Category("A.4", "侵犯他人合法权益", "infringing others' legitimate rights and interests"),
            new Category("A.5", "无法满足特定服务类型的安全需求", "failing the security needs of specific service types"));

    private static final Map<String, Risk> RISKS = new LinkedHashMap<>();

    static {
        risks("A.1", new String[][] {
                {"煽动颠覆国家政权、推翻社会主义制度", "inciting subversion of state power or the socialist system"},
                {"危害国家安全和利益、损害国家形象", "endangering national security and interests, harming the national image"},
                {"煽动分裂国家、破坏国家统一和社会稳定", "inciting secession, undermining national unity and social stability"},
                {"宣扬恐怖主义、极端主义", "promoting terrorism or extremism"},
                {"宣扬民族仇恨", "promoting ethnic hatred"},
                {"宣扬暴力、淫秽色情", "promoting violence, obscenity or pornography"},
                {"传播虚假有害信息", "spreading false and harmful information"},
                {"其他法律、行政法规禁止的内容", "other content prohibited by laws and administrative regulations"}});
        risks("A.2", new String[][] {
                {"民族歧视内容", "ethnic discrimination"}, {"信仰歧视内容", "discrimination by belief"},
                {"国别歧视内容", "discrimination by nationality"}, {"地域歧视内容", "regional discrimination"},
                {"性别歧视内容", "gender discrimination"}, {"年龄歧视内容", "age discrimination"},
                {"职业歧视内容", "occupational discrimination"}, {"健康歧视内容", "health discrimination"},
                {"其他方面歧视内容", "other discrimination"}});
        risks("A.3", new String[][] {
                {"侵犯他人知识产权", "infringing intellectual property"},
                {"违反商业道德", "violating business ethics"},
                {"泄露他人商业秘密", "disclosing trade secrets"},
                {"利用算法、数据、平台等优势，实施垄断和不正当竞争行为",
                        "monopoly or unfair competition using algorithms, data or platforms"},
                {"其他商业违法违规行为", "other commercial violations"}});
        risks("A.4", new String[][] {
                {"危害他人身心健康", "endangering others' physical or mental health"},
                {"侵害他人肖像权", "infringing portrait rights"}, {"侵害他人名誉权", "infringing reputation rights"},
                {"侵害他人荣誉权", "infringing honour rights"}, {"侵害他人隐私权", "infringing privacy"},
                {"侵害他人个人信息权益", "infringing personal information rights"},
                {"侵犯他人其他合法权益", "infringing other legitimate rights"}});
        risks("A.5", new String[][] {
                {"内容不准确，严重不符合科学常识或主流认知",
                        "inaccurate content, seriously contrary to science or mainstream understanding"},
                {"内容不可靠，虽然不包含严重错误的内容，但无法对使用者形成帮助",
                        "unreliable content that, without serious errors, does not help the user"}});
    }

    private SafetyTaxonomy() {
    }

    private static void risks(String category, String[][] names) {
        for (int i = 0; i < names.length; i++) {
            String code = category + "." + (i + 1);
            RISKS.put(code, new Risk(code, category, names[i][0], names[i][1]));
        }
    }

    /** The 31 risks in code order. */
    public static List<Risk> risks() {
        return List.copyOf(RISKS.values());
    }

    public static Optional<Risk> risk(String code) {
        return Optional.ofNullable(RISKS.get(code));
    }

    public static Category category(String code) {
        return CATEGORIES.stream().filter(category -> code.startsWith(category.code() + ".")
                || code.equals(category.code())).findFirst().orElseThrow();
    }
}
