/**
 * The part of Slack's Block Kit the bot uses, as plain data: the shapes of the messages and views the Slack port
 * carries (the bot builds them; the Slack adapter sends them as they are).
 */
export interface PlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}
export interface Mrkdwn {
  readonly type: 'mrkdwn';
  readonly text: string;
  /** Always: Slack links and mentions only what the text spells out (`<@U…>`, `<!date…>`), never a bare URL or @here. */
  readonly verbatim: true;
}
export type TextObject = PlainText | Mrkdwn;

export interface Confirm {
  readonly title: PlainText;
  readonly text: PlainText;
  readonly confirm: PlainText;
  readonly deny: PlainText;
  readonly style?: 'primary' | 'danger';
}
export interface Option {
  readonly text: PlainText;
  readonly value: string;
}
export type Element =
  | {
      readonly type: 'button';
      readonly action_id: string;
      readonly text: PlainText;
      readonly value?: string;
      readonly style?: 'primary' | 'danger';
      readonly confirm?: Confirm;
    }
  | {
      readonly type: 'overflow';
      readonly action_id: string;
      readonly options: readonly Option[];
      readonly confirm?: Confirm;
    }
  | {
      readonly type: 'static_select';
      readonly action_id: string;
      readonly placeholder: PlainText;
      readonly options: readonly Option[];
      readonly confirm?: Confirm;
    };

export type Block =
  | { readonly type: 'header'; readonly block_id?: string; readonly text: PlainText }
  | {
      readonly type: 'section';
      readonly block_id?: string;
      readonly text?: TextObject;
      readonly fields?: readonly TextObject[];
      readonly accessory?: Element;
    }
  | { readonly type: 'context'; readonly block_id?: string; readonly elements: readonly TextObject[] }
  | { readonly type: 'actions'; readonly block_id?: string; readonly elements: readonly Element[] }
  | { readonly type: 'divider'; readonly block_id?: string }
  | {
      readonly type: 'input';
      readonly block_id: string;
      readonly label: PlainText;
      readonly element: InputElement;
      readonly optional?: boolean;
    };

export type InputElement =
  | {
      readonly type: 'plain_text_input';
      readonly action_id: string;
      readonly multiline?: boolean;
      readonly max_length?: number;
      readonly min_length?: number;
      readonly initial_value?: string;
      readonly placeholder?: PlainText;
    }
  | {
      readonly type: 'static_select';
      readonly action_id: string;
      readonly options: readonly Option[];
      readonly initial_option?: Option;
    }
  | { readonly type: 'datepicker'; readonly action_id: string }
  | { readonly type: 'checkboxes'; readonly action_id: string; readonly options: readonly Option[] };

/** A message: the text is the notification and screen-reader fallback, the blocks what Slack shows. */
export interface Message {
  readonly text: string;
  readonly blocks: readonly Block[];
}

export interface ModalView {
  readonly type: 'modal';
  readonly callback_id: string;
  readonly private_metadata: string;
  readonly title: PlainText;
  /** Absent: the modal can only be closed (a refusal, a result). */
  readonly submit?: PlainText;
  readonly close: PlainText;
  readonly blocks: readonly Block[];
}

export interface HomeView {
  readonly type: 'home';
  readonly blocks: readonly Block[];
}
