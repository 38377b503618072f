//! The back office's texts for audit: each line is `key: ("日本語", "English")`.

macro_rules! audit {
    ([$next:ident $($chain:ident)*] $($acc:tt)*) => {
        $next! { [$($chain)*] $($acc)*
            audit_title: ("監査ログ", "Audit log"),
            audit_intro: ("個人情報の閲覧、管理者による変更、事務局へのログインの記録です。各行は前の行のハッシュを含み、改ざんや削除は検証で分かります。", "Every view of personal data, every change by an administrator and every back-office login. Each entry holds the hash of the one before: verification shows an altered or removed entry."),
            audit_seq: ("番号", "No."),
            audit_time: ("日時", "Time"),
            audit_actor: ("誰が", "Who"),
            audit_role: ("役割", "Role"),
            audit_action: ("操作", "Action"),
            audit_objects: ("対象", "Objects"),
            audit_detail: ("内容", "Detail"),
            audit_origin: ("接続元", "From"),
            audit_older: ("さらに古い記録", "Older entries"),
            audit_newest: ("最新の記録へ", "Newest entries"),
            audit_verify: ("チェーンを検証する", "Verify the chain"),
            audit_intact: ("件の記録を検証しました。チェーンは完全です。", "entries verified; the chain is intact."),
            audit_broken: ("監査ログのチェーンが壊れています：", "The audit chain is broken: "),
            audited_view: ("この表示は監査ログに記録されました。", "This view was recorded in the audit log."),
        }
    };
}
